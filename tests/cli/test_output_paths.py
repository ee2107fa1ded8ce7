"""Every command's output paths, given as a user mistypes them: a place that takes no files (/proc), a file
where a folder is expected, a folder where a file is expected. Each is exit 2 and one line naming the
path, before any work; nothing is written and nothing already there is lost."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from arena.cli import app
from tests.helpers import one_line_error
from tests.nets.test_official import as_official, randomised
from tests.report import synth

# command -> its arguments, PATH standing for the output path under test
FOLDER_OUTPUTS = {
    "profile": ["profile", "fast_scnn", "--res", "64x128", "--out", "PATH"],
    "bench": ["bench", "fast_scnn", "--res", "64x128", "--iters", "2", "--threads", "1", "--out", "PATH"],
    "train": ["train", "fast_scnn", "--iters", "1", "--out", "PATH"],
    "data synth": ["data", "synth", "--n", "1", "--res", "32x64", "--out", "PATH"],
    "pareto": ["pareto", "ROWS", "--out", "PATH"],
    "demo": ["demo", "--out", "PATH"],
    "run": ["run", "experiments/smoke.toml", "--out", "PATH"],
    "ablate": ["ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--seeds", "2", "--schedule", "smoke",
               "--skip-bench", "--out", "PATH"],
}
FILE_OUTPUTS = {  # command -> (arguments, the suffix the file must have)
    "convert": (["convert", "sgcpnet", "--official", "CKPT", "--out", "PATH"], ".pth"),
    "export": (["export", "fast_scnn", "--res", "64x128", "--onnx", "PATH"], ".onnx"),
    "data show": (["data", "show", "--n", "1", "--res", "32x64", "--out", "PATH"], ".png"),
    "table": (["table", "ROWS", "--latex", "PATH"], ".tex"),
}
STORES = ("profile", "bench", "train", "run", "ablate", "demo")  # commands that append rows to --out


@pytest.fixture
def place(tmp_path):
    """A working folder holding a file and a folder a mistaken path points at, with the inputs commands read."""
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir" / "keep.txt").write_text("keep me too")
    synth.study(tmp_path / "rows")
    torch.save({"state_dict": as_official(randomised("sgcpnet"), "sgcpnet")}, tmp_path / "official.pth")
    return tmp_path


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def _refused(place: Path, args: list[str], path) -> str:
    before = _snapshot(place)
    filled = [str(path) if a == "PATH" else str(place / "rows") if a == "ROWS"
              else str(place / "official.pth") if a == "CKPT" else a for a in args]
    line = one_line_error(CliRunner().invoke(app, filled))
    assert _snapshot(place) == before, "a refused command wrote or removed something"
    assert str(path) in line, line
    return line


@pytest.mark.parametrize("command", FOLDER_OUTPUTS)
def test_folder_outputs(place, command):
    args = FOLDER_OUTPUTS[command]
    assert "/proc takes no new files" in _refused(place, args, "/proc/nope")
    assert "/proc takes no new files" in _refused(place, args, "/proc/nope/deeper")
    assert "it is a file, not a folder" in _refused(place, args, place / "afile")
    assert f"{place / 'afile'} is a file, not a folder" in _refused(place, args, place / "afile" / "sub")
    assert not os.path.exists("/proc/nope")


@pytest.mark.parametrize("command", STORES)
def test_a_rows_file_that_is_a_folder(place, command):
    (place / "store" / "train.jsonl").mkdir(parents=True)
    line = _refused(place, FOLDER_OUTPUTS[command], place / "store")
    assert "train.jsonl is a folder, not a file of rows" in line


@pytest.mark.parametrize("command", FILE_OUTPUTS)
def test_file_outputs(place, command):
    args, suffix = FILE_OUTPUTS[command]
    option = args[args.index("PATH") - 1]
    line = _refused(place, args, f"/proc/nope{suffix}")
    assert "/proc takes no new files" in line and f"pass a writable path with {option}" in line
    (place / f"adir{suffix}").mkdir()
    assert f"it is a folder (pass a file name with {option})" in _refused(place, args, place / f"adir{suffix}")
    line = _refused(place, args, place / "adir")  # a folder without the suffix: either is the truth
    assert f"must end in {suffix}" in line or f"it is a folder (pass a file name with {option})" in line
    line = _refused(place, args, place / "afile" / f"x{suffix}")
    assert f"{place / 'afile'} is a file, not a folder" in line


def test_export_to_proc_is_a_user_mistake_not_a_bug():
    """The issue's own command: it used to end as 'internal error ... (a bug)', exit 3."""
    line = one_line_error(CliRunner().invoke(app, ["export", "fast_scnn", "--onnx", "/proc/x.onnx"]))
    assert line == ("error: cannot write the ONNX graph to /proc/x.onnx: /proc takes no new files (No such file or "
                    "directory) (pass a writable path with --onnx)")


def test_resume_paths(place):
    args = ["train", "fast_scnn", "--iters", "1", "--out", str(place / "results"), "--resume", "PATH"]
    assert "no such run folder" in _refused(place, args, place / "missing")
    assert "it is a file, not a run folder" in _refused(place, args, place / "afile")
    assert "the run folder is not writable" in _refused(place, args, "/proc/self")
    (place / "results").mkdir(parents=True)
    (place / "results" / "runs").write_text("not a folder of runs")
    line = _refused(place, args[:-2], place / "results")  # a fresh run whose runs/ is taken by a file
    assert "runs is a file, not a folder" in line
