"""Bad and hostile inputs, as a new user (or a careless script) would type them: every command and
the Python API. Each ends in one line naming the problem (exit 2), or runs cleanly (exit 0) where
the input is sound; none ends as an internal error (exit 3), a traceback, a hang or a crash.

Replayable: `pytest tests/cli/test_hostile_inputs.py`. Cases marked `fixed` failed on the code before
issue 24 (internal error, hang, silent acceptance or a misleading line); the rest were clean and stay
pinned. The files the cases point at (a FIFO, /dev/zero behind a .arena name, a non-UTF-8 study, a
2 MiB study...) are made by the `place` fixture.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import arena
from arena.cli import app
from arena.errors import ArenaError

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
STUDY = "[study]\nnetworks = [\"fast_scnn\"]\nkinds = [\"profile\"]\nresolutions = [\"64x128\"]\n"


@pytest.fixture(autouse=True)
def _no_probe(monkeypatch):
    """Plans are estimated from a fixed probe: these cases are about refusals, not timing."""
    figures = {"train_fixed": 0.0, "train_per_px": 1e-7, "forward_fixed": 0.0, "forward_per_px": 3e-8}
    monkeypatch.setattr("arena.studies.estimate.probe", lambda *a, **k: figures)


@pytest.fixture
def place(tmp_path) -> Path:
    os.mkfifo(tmp_path / "fifo.toml")
    os.mkfifo(tmp_path / "fifo.arena")
    (tmp_path / "zero.arena").symlink_to("/dev/zero")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "latin1.toml").write_bytes(STUDY.replace("fast_scnn", "fast_scnn\xe9").encode("latin-1"))
    (tmp_path / "huge.toml").write_text(STUDY + "# " + "x" * (2 << 20) + "\n")
    (tmp_path / "huge.arena").write_text("# " + "x" * (2 << 20) + "\n")
    (tmp_path / "nul.arena").write_bytes(b"net x\0\0")
    studies = {
        "many_seeds": "seeds = 100000000\n", "negative_seed": "seeds = [-1]\n", "giant_seed": "seeds = [1099511627776]\n",
        "bool_seeds": "seeds = [true]\n", "zero_seeds": "seeds = 0\n",
        "dup": "seeds = [0, 0, 1]\n", "dup_nets": None, "big_res": None, "grid": None,
        "iters_huge": "[train]\niters = 99999999999999999999\n", "iters_zero": "[train]\niters = 0\n",
        "iters_list": "[train]\niters = [10, 10, 0]\n", "batch_zero": "[train]\nbatch = 0\n",
        "workers_neg": "[train]\nworkers = -1\n", "bench_iters": "[bench]\niters = 0\n",
        "warmup_neg": "[bench]\nwarmup_max = -1\n", "bench_batch": "[bench]\nbatch = 100000\n",
    }
    for name, extra in studies.items():
        text = STUDY
        if name == "dup_nets":
            text = STUDY.replace('["fast_scnn"]', '["fast_scnn", "fast_scnn", "sgcpnet"]')
        elif name == "big_res":
            text = STUDY.replace('"64x128"', '"99999x99999"').replace('["profile"]', '["bench"]')
        elif name == "grid":
            text = STUDY.replace('["fast_scnn"]', '"all"').replace('["profile"]', '["bench", "train"]') + \
                "seeds = 1000\nswaps = [\"upsampler=gai\"]\n"
        else:
            text = STUDY + extra if not extra.startswith("[") else STUDY + extra
        (tmp_path / f"{name}.toml").write_text(text)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "scene.png").write_bytes(b"not a png")
    _camvid_with_a_truncated_label(tmp_path / "camvid")
    (tmp_path / "rows").mkdir()
    (tmp_path / "rows" / "train.jsonl").write_bytes(b'\xff\xfe{"kind": "train"}\n' + b"[" * 100_000 + b"\n")
    return tmp_path


def _camvid_with_a_truncated_label(root: Path) -> None:
    import numpy as np
    from PIL import Image

    for split in ("train", "val"):
        (root / split).mkdir(parents=True)
        (root / f"{split}annot").mkdir()
        Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(root / split / "a.png")
        label = root / f"{split}annot" / "a.png"
        Image.fromarray(np.random.default_rng(0).integers(0, 11, (64, 64), dtype=np.uint8)).save(label)
        label.write_bytes(label.read_bytes()[:len(label.read_bytes()) // 2])  # a copy cut short


def case(args, code, needle, fixed=False, id=None):
    return pytest.param(args, code, needle, id=id or " ".join(args)[:60],
                        marks=[pytest.mark.fixed] if fixed else [])


CLI = [
    # resources bounded up front
    case(["train", "fast_scnn", "--clip-grad", "-1"], 2, "--clip-grad must be a positive", fixed=True),
    case(["train", "fast_scnn", "--clip-grad", "0"], 2, "--clip-grad must be a positive", fixed=True),
    case(["train", "fast_scnn", "--clip-grad", "nan"], 2, "--clip-grad must be a positive", fixed=True),
    case(["train", "fast_scnn", "--threads", "100000"], 2, "far more than", fixed=True),
    case(["train", "fast_scnn", "--threads", "0"], 2, "--threads must be"),
    case(["bench", "fast_scnn", "--threads", "1000", "--res", "64x64"], 2, "far more than", fixed=True),
    case(["bench", "fast_scnn", "--threads", "-3", "--res", "64x64"], 2, "--threads must be"),
    case(["bench", "fast_scnn[classes=100000000]", "--res", "1x1"], 2, "needs an estimated", fixed=True),
    case(["bench", "fast_scnn", "--res", "99999x99999"], 2, "needs an estimated", fixed=True),
    case(["bench", "fast_scnn", "--res", "0x64"], 2, "must be positive"),
    case(["train", "fast_scnn[classes=100000000]", "--iters", "1"], 2, "needs an estimated", fixed=True),
    case(["train", "fast_scnn", "--crop", "99999x99999", "--iters", "1"], 2, "needs an estimated", fixed=True),
    case(["train", "fast_scnn", "--batch", "1000000", "--iters", "1"], 2, "needs an estimated", fixed=True),
    case(["train", "fast_scnn", "--iters", "0"], 2, "--iters must be >= 1"),
    case(["train", "fast_scnn", "--workers", "-1"], 2, "--workers must be >= 0"),
    case(["train", "fast_scnn", "--batch", "0"], 2, "--batch must be >= 1"),
    case(["profile", "fast_scnn", "--res", "99999x99999", "--no-save"], 2, "needs an estimated"),
    case(["profile", "fast_scnn", "--max-memory", "-1", "--no-save"], 2, "--max-memory must be a positive"),
    case(["demo", "--threads", "100000", "--out", "{p}/demo"], 2, "far more than", fixed=True),
    # plans: bounded, deduplicated, range-checked in dry runs too
    case(["ablate", "--swap", "upsampler=gai", "--nets", "", "--dry-run"], 2, "names no network", fixed=True),
    case(["ablate", "--swap", "upsampler=gai", "--nets", ",", "--dry-run"], 2, "names no network", fixed=True),
    case(["ablate", "--swap", "upsampler=gai", "--budget", "-1", "--dry-run"], 2, "--budget must be", fixed=True),
    case(["ablate", "--swap", "upsampler=gai", "--budget", "0", "--dry-run"], 2, "--budget must be", fixed=True),
    case(["ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--seeds", "100000000", "--dry-run"], 2,
         "give a count from 1", fixed=True),
    case(["ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--iters", "99999999999", "--dry-run"], 2,
         "out of range", fixed=True),
    case(["ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--threads", "99999", "--dry-run"], 2,
         "far more than", fixed=True),
    case(["run", str(EXPERIMENTS / "smoke.toml"), "--budget", "-1", "--dry-run"], 2, "--budget must be", fixed=True),
    case(["run", "{p}/many_seeds.toml", "--dry-run"], 2, "give a count from 1 to", fixed=True),
    case(["run", "{p}/zero_seeds.toml", "--dry-run"], 2, "give a count from 1 to"),
    case(["run", "{p}/negative_seed.toml", "--dry-run"], 2, "[study] seeds"),
    case(["run", "{p}/giant_seed.toml", "--dry-run"], 2, "[study] seeds", fixed=True),
    case(["run", "{p}/bool_seeds.toml", "--dry-run"], 2, "[study] seeds"),
    case(["run", "{p}/iters_huge.toml", "--dry-run"], 2, "out of range", fixed=True),
    case(["run", "{p}/iters_zero.toml", "--dry-run"], 2, "out of range"),
    case(["run", "{p}/iters_list.toml", "--dry-run"], 2, "out of range"),
    case(["run", "{p}/batch_zero.toml", "--dry-run"], 2, "out of range", fixed=True),
    case(["run", "{p}/workers_neg.toml", "--dry-run"], 2, "out of range", fixed=True),
    case(["run", "{p}/bench_iters.toml", "--dry-run"], 2, "out of range", fixed=True),
    case(["run", "{p}/warmup_neg.toml", "--dry-run"], 2, "out of range", fixed=True),
    case(["run", "{p}/bench_batch.toml", "--dry-run"], 2, "out of range", fixed=True),
    case(["run", "{p}/grid.toml", "--dry-run"], 2, "more than 5,000", fixed=True),
    case(["run", "{p}/big_res.toml", "--dry-run"], 2, "needs an estimated", fixed=True),
    case(["run", "{p}/dup.toml", "--dry-run"], 0, "seeds: duplicate 0 removed", fixed=True),
    case(["run", "{p}/dup_nets.toml", "--dry-run"], 0, "networks: duplicate 'fast_scnn' removed", fixed=True),
    # files that are not what they claim
    case(["run", "{p}/fifo.toml", "--dry-run"], 2, "not a regular file", fixed=True),
    case(["run", "{p}/zero.toml", "--dry-run"], 2, "not a regular file", fixed=True),
    case(["run", "/dev/null", "--dry-run"], 2, "not a regular file", fixed=True),
    case(["run", "{p}/folder.toml", "--dry-run"], 2, "it is a folder", fixed=True),
    case(["run", "{p}/latin1.toml", "--dry-run"], 2, "not UTF-8", fixed=True),
    case(["run", "{p}/huge.toml", "--dry-run"], 2, "more than the", fixed=True),
    case(["run", "{p}/missing.toml", "--dry-run"], 2, "no such study file"),
    case(["show", "{p}/fifo.arena"], 2, "not a regular file", fixed=True),
    case(["show", "{p}/zero.arena"], 2, "not a regular file", fixed=True),
    case(["show", "{p}/huge.arena"], 2, "more than the", fixed=True),
    case(["show", "{p}/nul.arena"], 2, "NUL bytes"),
    case(["profile", "{p}/fifo.arena", "--no-save"], 2, "not a regular file", fixed=True),
    case(["bench", "{p}/zero.arena"], 2, "not a regular file", fixed=True),
    # datasets
    case(["data", "synth", "--out", "{p}/data", "--n", "1", "--res", "32x32"], 2, "already holds", fixed=True),
    case(["data", "synth", "--out", "/dev/null", "--n", "1", "--res", "32x32"], 2, "it is a file"),
    case(["data", "synth", "--out", "{p}/new", "--n", "0", "--res", "32x32"], 2, "--n must be"),
    case(["data", "synth", "--out", "{p}/new", "--n", "1", "--res", "4x4"], 2, "too small"),
    case(["data", "synth", "--out", "{p}/new", "--split", "test"], 2, "--split 'test'"),
    case(["train", "fast_scnn_camvid", "--data", "camvid:{p}/camvid", "--iters", "1", "--out", "{p}/o"], 2,
         "cannot read label", fixed=True),
    # files in the place of checkpoints and runs
    case(["train", "fast_scnn", "--resume", "/dev/null"], 2, "it is not a folder", fixed=True),
    case(["train", "fast_scnn", "--pretrained", "/dev/null", "--iters", "1", "--out", "{p}/o"], 2,
         "not a regular file", fixed=True),
    case(["train", "fast_scnn", "--pretrained", "{p}/data", "--iters", "1", "--out", "{p}/o"], 2,
         "it is a folder", fixed=True),
    case(["train", "fast_scnn", "--pretrained", "{p}/data/scene.png", "--iters", "1", "--out", "{p}/o"], 2,
         "not a PyTorch state dict"),
    case(["convert", "fanet18", "--official", "/dev/null", "--out", "{p}/w.pt"], 2, "not a regular file", fixed=True),
    case(["convert", "fanet18", "--official", "{p}/data", "--out", "{p}/w.pt"], 2, "it is a folder", fixed=True),
    # a damaged store: read what can be read, one warning line per bad line
    case(["table", "{p}/rows"], 2, "2 damaged line(s) skipped in all", fixed=True),
    case(["rank", "{p}/rows"], 2, "2 damaged line(s) skipped in all", fixed=True),
    case(["pareto", "{p}/rows", "--out", "{p}/plot"], 2, "2 damaged line(s) skipped in all", fixed=True),
]


@pytest.mark.parametrize(("args", "code", "needle"), CLI)
def test_cli(place, args, code, needle):
    argv = [a.replace("{p}", str(place)) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        r = CliRunner().invoke(app, argv)
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    assert needle in r.output, r.output
    if code == 2:
        errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and (needle in errors[0] or "skipped" in needle), r.output
    assert all(line.startswith(("error: ", "warning: ")) for line in r.output.splitlines()
               if "Warning" in line or "warn(" in line), r.output  # no two-line Python warnings


def _api(call: str, place: Path):
    from arena import checks, jsonl, results
    from arena.studies.schema import from_dict
    from arena.train.loop import TrainConfig, train

    env = {"arena": arena, "checks": checks, "jsonl": jsonl, "results": results, "from_dict": from_dict,
           "TrainConfig": TrainConfig, "train": train, "p": str(place)}
    return eval(call, env)  # noqa: S307 - the cases are this file's own literals


API = [
    case(["arena.build('fast_scnn', device='tpu')"], 2, "not a device arena builds on", fixed=True),
    case(["arena.build('fast_scnn', device=3.5)"], 2, "not a device arena builds on", fixed=True),
    case(["arena.build('fast_scnn', device='cuda:x')"], 2, "not a device arena builds on", fixed=True),
    case(["arena.build('fast_scnn[classes=1000000000000]')"], 2, "do not fit in memory", fixed=True),
    case(["arena.build(p + '/zero.arena')"], 2, "not a regular file", fixed=True),
    case(["arena.build(p + '/fifo.arena')"], 2, "not a regular file", fixed=True),
    case(["arena.build('fast_scnn', seed='3')"], 2, "must be an integer"),
    case(["arena.build('')"], 2, "names no network"),
    case(["train(TrainConfig('fast_scnn', clip_grad=-1.0, out=p + '/o'))"], 2, "positive gradient norm", fixed=True),
    case(["train(TrainConfig('fast_scnn', threads=10**6, out=p + '/o'))"], 2, "far more than", fixed=True),
    case(["checks.threads(True)"], 2, "must be an integer"),
    case(["from_dict({'study': {'networks': ['fast_scnn'], 'seeds': 10**8}})"], 2, "give a count", fixed=True),
    case(["from_dict({'study': {'networks': ['fast_scnn'], 'seeds': [2**40]}})"], 2, "[study] seeds", fixed=True),
    case(["from_dict({'study': {'networks': ['fast_scnn']}, 'train': {'iters': 10**20}})"], 2, "out of range",
         fixed=True),
    case(["jsonl.parse(b'[' * 100000 + b']' * 100000)"], 1, "nested deeper", fixed=True),
    case(["jsonl.parse(b'\\xff\\xfe{')"], 1, "not JSON", fixed=True),
    case(["results.row_problem({'kind': 'train', 'spec': ['x'], 'metrics': {}})"], 0, "not a name", fixed=True),
    case(["results.row_problem({'kind': 'train', 'spec': 'x', 'seed': 0})"], 0, "'metrics' is missing", fixed=True),
    case(["results.row_problem({'kind': 'train', 'spec': 'x', 'seed': 0, 'metrics': {'miou': 'a'}})"], 0,
         "metrics.miou is not a number", fixed=True),
    case(["results.row_problem({'kind': 'train', 'spec': 'x', 'metrics': {}})"], 0, "without a seed", fixed=True),
    case(["checks.file_problem('/dev/zero')"], 0, "not a regular file", fixed=True),
]


@pytest.mark.parametrize(("call", "code", "needle"), API)
def test_api(place, call, code, needle):
    """code 2: an ArenaError (one line); 1: a ValueError (the reader's); 0: a returned reason."""
    if code == 0:
        assert needle in _api(call[0], place)
        return
    with pytest.raises(ArenaError if code == 2 else ValueError) as e:
        _api(call[0], place)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_a_string_of_swaps_is_one_swap_not_one_per_character():
    """Before: build(swaps="upsampler=gai") reported "bad item 'u'"."""
    assert arena.build("fast_scnn", swaps="upsampler=gai", device="meta").canonical == "fast_scnn[upsampler=gai]"


def test_count_of_cases():
    """The report's figure: how many hostile inputs this module replays, and how many were fixed."""
    fixed = sum(1 for c in CLI + API if any(m.name == "fixed" for m in c.marks))
    assert len(CLI) + len(API) >= 60 and fixed >= 40
