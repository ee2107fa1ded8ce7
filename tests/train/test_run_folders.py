"""Run folders: keyed by setting, never clobbered, held by one process (a lock a crash cannot leave stuck)."""
from __future__ import annotations

import dataclasses
import fcntl
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.errors import ArenaError
from arena.train import run_folder
from arena.train.loop import TrainConfig, train
from tests.helpers import one_line_error

ONE = dict(spec="fast_scnn", schedule="smoke", threads=1, iters=1)


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_two_iteration_counts_at_one_seed_get_two_folders(tmp_path):
    """Before: `--iters 2` and `--iters 3` at one seed shared runs/fast_scnn_smoke_s0."""
    a = train(TrainConfig(**{**ONE, "iters": 1}, out=str(tmp_path)))
    b = train(TrainConfig(**{**ONE, "iters": 2}, out=str(tmp_path)))
    assert a.folder != b.folder and a.folder.parent == b.folder.parent
    assert a.folder.name.startswith("fast_scnn_smoke_s0_") and b.folder.name.startswith("fast_scnn_smoke_s0_")


def test_a_second_run_into_the_same_folder_is_refused_and_the_first_is_intact(tmp_path):
    """Before: a second `arena train` with the same --out replaced config.json, last.pt and row.json."""
    first = train(TrainConfig(**ONE, out=str(tmp_path)))
    before = _snapshot(first.folder)
    r = CliRunner().invoke(app, ["train", "fast_scnn", "--iters", "1", "--threads", "1", "--out", str(tmp_path)])
    line = one_line_error(r)
    assert "already holds a run" in line and f"--resume {first.folder}" in line
    assert _snapshot(first.folder) == before


def test_a_run_folder_held_by_another_process_is_refused_and_freed_when_it_dies(tmp_path):
    folder = tmp_path / "runs" / "x"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time; p = sys.argv[1]; os.makedirs(p, exist_ok=True); "
        "fd = os.open(os.path.join(p, '.lock'), os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); "
        "print('held', flush=True); time.sleep(60)"), str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ArenaError, match="is in use by another"):
            with run_folder.held(folder, new=True):
                pass
    finally:
        holder.kill()  # a crash: no clean-up ran, the .lock file stays
        holder.wait()
    assert (folder / ".lock").exists()
    with run_folder.held(folder, new=True) as got:  # the kernel dropped the dead process's lock
        assert got == folder


def test_two_holders_in_one_process_exclude_each_other(tmp_path):
    with run_folder.held(tmp_path / "r", new=True):
        fd = os.open(tmp_path / "r" / ".lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)


def test_a_resume_whose_config_differs_is_refused_in_one_line(tmp_path):
    first = train(TrainConfig(**ONE, out=str(tmp_path)))
    with pytest.raises(ArenaError, match=r"started with other settings \(clip_grad: None there, 1.0 here\)"):
        train(dataclasses.replace(TrainConfig(**ONE, out=str(tmp_path)), clip_grad=1.0, resume=str(first.folder)))


def test_config_json_is_written_atomically(tmp_path, monkeypatch):
    from arena import atomic

    calls = []
    real = atomic.write_json
    monkeypatch.setattr(atomic, "write_json", lambda path, obj, **kw: calls.append(path.name) or real(path, obj, **kw))
    run = train(TrainConfig(**ONE, out=str(tmp_path)))
    assert "config.json" in calls and (run.folder / "config.json").is_file()
