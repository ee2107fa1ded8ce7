"""Durable appends: a full disk, an I/O error or a short write fails in one line naming the file and
the cause, and leaves the store exactly as it was (no half line, no partial batch)."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

import arena
from arena import atomic, results
from arena.cli import app
from arena.errors import WriteFailed
from arena.store import Store


def _row(spec="fast_scnn", macs=1):
    return results.make_row("profile", arena.resolve(spec).row_fields(), {"macs": macs},
                            protocol={"res": [64, 64]}, environment_={"torch": "x"})


def _writer_that_fills_after(budget: int, error: int | None = None):
    """An os.write that accepts `budget` bytes in all, then writes short (or raises `error`)."""
    left = [budget]

    def write(fd, data):
        if left[0] <= 0 and error is not None:
            raise OSError(error, os.strerror(error))
        n = min(len(data), left[0])
        left[0] -= n
        return os.write(fd, data[:n]) if n else 0
    return write


@pytest.mark.parametrize("error", [None, errno.ENOSPC, errno.EIO])
def test_a_failed_append_leaves_the_file_as_it_was(tmp_path, monkeypatch, error):
    store = Store(tmp_path)
    store.append([_row(macs=1)])
    before = (tmp_path / "profile.jsonl").read_bytes()
    monkeypatch.setattr(atomic, "_os_write", _writer_that_fills_after(40 if error is None else 0, error))
    with pytest.raises(WriteFailed) as e:
        store.append([_row(macs=2), _row(macs=3)])
    message = str(e.value)
    assert "profile.jsonl" in message and "back as it was" in message and "\n" not in message
    assert {None: "short write", errno.ENOSPC: "No space left", errno.EIO: "Input/output error"}[error] in message
    assert (tmp_path / "profile.jsonl").read_bytes() == before


def test_a_short_write_in_the_second_line_drops_the_whole_batch(tmp_path, monkeypatch):
    size = len(results.serialise(_row()).encode()) + 1
    monkeypatch.setattr(atomic, "_os_write", _writer_that_fills_after(size + 10))
    with pytest.raises(WriteFailed):
        Store(tmp_path).append([_row(macs=2), _row(macs=3)])
    assert (tmp_path / "profile.jsonl").read_bytes() == b""


def test_profile_on_a_full_disk_fails_in_one_line_and_keeps_old_rows(tmp_path, monkeypatch):
    """Before: `arena profile ... --out FULL` said 'appended 1 row(s)', exit 0, and lost the row."""
    runner = CliRunner()
    assert runner.invoke(app, ["profile", "fast_scnn", "--res", "64x64", "--out", str(tmp_path)]).exit_code == 0
    before = (tmp_path / "profile.jsonl").read_bytes()
    monkeypatch.setattr(atomic, "_os_write", _writer_that_fills_after(0, errno.ENOSPC))
    r = runner.invoke(app, ["profile", "fast_scnn", "--res", "64x64", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    error = [line for line in r.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "profile.jsonl" in error[0] and "No space left" in error[0]
    assert "appended" not in r.output
    assert (tmp_path / "profile.jsonl").read_bytes() == before


def test_an_atomic_file_on_a_full_disk_keeps_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "row.json"
    target.write_text("old")

    def fill(f):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with pytest.raises(WriteFailed, match="row.json: No space left"):
        atomic._write(target, fill)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["row.json"]


def _tmpfs(tmp_path: Path, size: str) -> Path:
    where = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full disk needs root to mount a small tmpfs")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs is not allowed here")
    return where


def test_a_real_full_tmpfs(tmp_path):
    """The same promise on a file system that really fills up (root only; skipped elsewhere)."""
    where = _tmpfs(tmp_path, "16k")
    try:
        store = Store(where)
        store.append([_row(macs=1)])
        before = (where / "profile.jsonl").read_bytes()
        with pytest.raises(WriteFailed, match="No space left|short write"):
            for _ in range(200):  # 16 KiB holds a handful of rows
                store.append([_row(macs=2)])
        after = (where / "profile.jsonl").read_bytes()
        assert after.startswith(before) and after.endswith(b"\n")
        assert all(line.startswith(b"{") and line.endswith(b"}") for line in after.splitlines())
    finally:
        subprocess.run(["umount", str(where)], check=False)
