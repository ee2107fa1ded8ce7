"""Study files: grid expansion against a hand-written list, one-line errors with key and line,
skip-done resume after an interrupted run (a killed worker), exactly one row per job."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.studies.driver import run_study
from arena.studies.plan import expand
from arena.studies.schema import from_dict, load
from arena.studies.engines.local import LocalEngine

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
KILL_HOOK = Path(__file__).resolve().parent / "kill_hook"


def test_grid_expansion_against_a_hand_written_list():
    s = load(EXPERIMENTS / "smoke.toml")
    plan = expand(s)
    got = [(j.kind, j.specs, j.res, j.seed) for j in plan.jobs]
    r = (64, 128)
    want = [
        ("profile", ("fast_scnn",), r, None), ("profile", ("fast_scnn[upsampler=gai]",), r, None),
        ("bench", ("fast_scnn", "fast_scnn[upsampler=gai]"), r, None),
        ("train", ("fast_scnn",), None, 0), ("train", ("fast_scnn[upsampler=gai]",), None, 0),
        ("train", ("fast_scnn",), None, 1), ("train", ("fast_scnn[upsampler=gai]",), None, 1),
        ("profile", ("fanet18",), r, None), ("profile", ("fanet18[upsampler=gai]",), r, None),
        ("bench", ("fanet18", "fanet18[upsampler=gai]"), r, None),
        ("train", ("fanet18",), None, 0), ("train", ("fanet18[upsampler=gai]",), None, 0),
        ("train", ("fanet18",), None, 1), ("train", ("fanet18[upsampler=gai]",), None, 1),
    ]
    assert got == want
    keys = [k for j in plan.jobs for k in j.keys()]
    assert len(keys) == len(set(keys)) == 16  # one key per row: 4 profile + 4 bench + 8 train


def test_every_shipped_study_file_is_valid():
    for path in sorted(EXPERIMENTS.glob("*.toml")):
        s = load(path)
        assert expand(s).jobs, path.name


@pytest.mark.parametrize("text, message", [
    ('[study]\nnetworks = ["fast_scnn"]\nswaps = ["upsampler=gia"]\n', "unknown upsampler block 'gia'"),
    ('[study]\nnetworks = ["fast_scnx"]\n', "bad.toml:2: [study] networks: unknown network 'fast_scnx'"),
    ('[study]\nnetworks = ["fast_scnn"]\nseedz = [0]\n', "bad.toml:3: [study] seedz: unknown key (did you mean seeds?"),
    ('[study]\nnetworks = ["fast_scnn"]\n\n[train]\nschedule = "fast"\n', "bad.toml:5: [train] schedule: unknown schedule"),
    ('[study]\nnetworks = ["fast_scnn"]\nseeds = "three"\n', "bad.toml:3: [study] seeds: 'three' must be list or int"),
    ('[study]\nnetworks = ["fast_scnn"]\nresolutions = ["big"]\n', "bad.toml:3: [study] resolutions: resolution 'big'"),
    ('[stdy]\nnetworks = ["fast_scnn"]\n', "bad.toml:1: [stdy]: unknown section"),
    ('[study\nnetworks = 1\n', "bad.toml: not valid TOML"),
    ('[study]\nnetworks = ["fast_scnn", "sgcpnet"]\nswaps = ["attention=se"]\n', "applies to none of the networks"),
])
def test_a_malformed_study_names_the_key_and_line(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert len(line.splitlines()) == 1 and message in line, line
    assert not (tmp_path / "out").exists()


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    r = CliRunner().invoke(app, ["run", str(EXPERIMENTS / "smoke.toml"), "--dry-run", "--out", str(tmp_path / "o"),
                                 "--json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)
    assert plan["jobs"] == 14 and plan["to_run"] == 14 and len(plan["plan"]) == 14 and plan["estimated_s"] > 0
    assert not (tmp_path / "o").exists()


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for p in sorted(out.glob("*.jsonl")) if p.name != "failures.jsonl"
            for line in p.read_text().splitlines()]


@pytest.mark.slow
def test_interrupted_by_a_killed_worker_then_resumed(tmp_path, monkeypatch):
    """A worker dies half-way (os._exit inside a job); the rerun runs only the missing jobs."""
    s = load(EXPERIMENTS / "smoke.toml")
    jobs = expand(s).jobs
    out = tmp_path / "out"
    victim = jobs[5].label  # a training job of fast_scnn
    monkeypatch.setenv("ARENA_TEST_KILL_JOB", victim)  # read by kill_hook/sitecustomize.py in each worker
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(KILL_HOOK), os.environ.get("PYTHONPATH", "")]))
    with pytest.raises(Exception, match="a worker process died"):
        run_study(s, LocalEngine(workers=2, threads=1), out)
    first = _rows(out)
    assert 0 < len(first) < 16
    monkeypatch.delenv("ARENA_TEST_KILL_JOB")
    ran = []
    summary = run_study(s, LocalEngine(workers=1, threads=1), out,
                        on_progress=lambda done, total, label: ran.append(label)).summary
    rows = _rows(out)
    keys = [r["job_key"] for r in rows]
    assert len(keys) == len(set(keys)) == 16  # exactly one row per job's row key
    assert summary["skipped"] + summary["to_run"] == 14 and summary["to_run"] < 14
    assert len(ran) == summary["to_run"]
    done_before = {r["job_key"] for r in first}
    assert done_before <= set(keys)


def test_a_failed_job_is_recorded_and_retried_only_on_request(tmp_path, monkeypatch):
    s = from_dict({"study": {"networks": ["fast_scnn"], "resolutions": ["64x128"], "kinds": ["profile"],
                                "swaps": ["upsampler=nearest"]}}, source="t")
    out = tmp_path / "out"
    import arena.measure.profile as prof

    real = prof.profile

    def flaky(spec, *a, **k):
        if "nearest" in spec:
            raise RuntimeError("injected")
        return real(spec, *a, **k)

    monkeypatch.setattr(prof, "profile", flaky)
    first = run_study(s, LocalEngine(), out).summary
    assert first["rows_written"] == 1 and len(first["failed"]) == 1
    again = run_study(s, LocalEngine(), out).summary
    assert again["to_run"] == 0 and len(again["held_failed"]) == 1  # not retried unasked
    monkeypatch.setattr(prof, "profile", real)
    retried = run_study(s, LocalEngine(), out, retry_failed=True).summary
    assert retried["to_run"] == 1 and retried["rows_written"] == 1 and not retried["failed"]
    assert len(_rows(out)) == 2


def test_bad_inputs_of_the_study_commands(tmp_path, monkeypatch):
    import sys

    run = lambda *a: CliRunner().invoke(app, [str(x) for x in a])  # noqa: E731
    for args, message in [
        (["ablate", "--swap", "upsampler=gai", "--seeds", "0"], "--seeds must be an integer >= 1"),
        (["ablate", "--swap", "upsampler=gai", "--seeds", "1"], "at least 2 seeds"),
        (["ablate", "--swap", "attention=se", "--nets", "fast_scnn,sgcpnet"], "applies to none of the networks"),
        (["ablate", "--swap", "upsampler=gai", "--nets", "fast_scnx"], "unknown network 'fast_scnx'"),
        (["run", tmp_path / "missing.toml"], "no such study file"),
    ]:
        r = run(*args, "--out", tmp_path / "o")
        assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and message in r.output, r.output
    monkeypatch.setitem(sys.modules, "ray", None)
    r = run("run", EXPERIMENTS / "smoke.toml", "--engine", "ray", "--out", tmp_path / "o")
    assert r.exit_code == 2 and "pip install 'arena-seg[ray]'" in r.output
    locked = tmp_path / "locked"
    locked.write_text("a file")
    r = run("run", EXPERIMENTS / "smoke.toml", "--out", locked)
    assert r.exit_code == 2 and "it is a file, not a folder" in r.output and locked.read_text() == "a file"
    assert not (tmp_path / "o").exists()


def test_an_ablation_whose_pairs_hold_two_settings_is_refused(tmp_path):
    """A base row and its hybrid's trained under different settings cannot be paired: one line."""
    from arena.errors import ArenaError
    from arena.store import Store
    from arena.studies.ablate import ablation_study, summarise
    from tests.report import synth

    study = ablation_study(["upsampler=gai"], ["fast_scnn"], seeds=3, schedule="smoke", res=(64, 128),
                           skip_bench=True)
    plan = expand(study)
    rows = []
    for job in plan.jobs:
        if job.kind != "train":
            continue
        row = synth.train(job.specs[0], 0.5, job.seed, schedule="smoke",
                          iters=12 if "gai" in job.specs[0] else 24)  # another iteration count: another setting
        row["job_key"] = job.keys()[0]
        rows.append(row)
    Store(tmp_path).append(rows)
    with pytest.raises(ArenaError, match="hold 2 settings .* paired only within one setting"):
        summarise(study, plan, tmp_path)


def test_an_ablation_and_the_same_grid_as_a_study_file_share_their_job_keys():
    """`arena ablate` after `arena run` of the same jobs reuses the study's rows (no job runs twice)."""
    from arena.studies.ablate import ablation_study
    from arena.studies.schema import from_dict

    ablation = ablation_study(["upsampler=gai"], ["fast_scnn"], seeds=3, schedule="demo", res=(64, 128),
                              bench_iters=20)
    study = from_dict({"study": {"name": "mine", "networks": ["fast_scnn"], "swaps": ["upsampler=gai"],
                                 "seeds": [0, 1, 2], "resolutions": ["64x128"],
                                 "kinds": ["profile", "bench", "train"]},
                       "train": {"schedule": "demo"}, "bench": {"iters": 20}})
    keys = {k for job in expand(study).jobs for k in job.keys()}
    assert {k for job in expand(ablation).jobs for k in job.keys()} == keys and len(keys) == 2 + 2 + 6
