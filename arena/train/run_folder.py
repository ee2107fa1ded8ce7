"""A run's folder: named by its setting, held by one process at a time, never overwritten.

The name is readable (`fanet18_upsampler-gai_demo_s3`) and ends in a short hash of everything that
makes the run's setting (the canonical spec, the schedule as resolved: iterations, batch, crop,
clipping, OHEM; the data, the seed, device kind, AMP, channels_last, world size, pretrained
weights, determinism), so `--iters 2` and `--iters 3` at one seed never share a folder.

A folder that already holds a run belongs to it: a new run into it is refused in one line (resume
it with `--resume`, whose checkpoint must match the command's config). Concurrent writers are
excluded by an exclusive `flock` on `<folder>/.lock`, held while the run trains: the kernel drops
it when the process ends, however it ends, so a crashed run never leaves the folder stuck.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

from arena.errors import ArenaError

LOCK = ".lock"
CONFIG = "config.json"


def run_name(canonical: str, schedule: str, seed: int, setting: dict[str, Any] | None = None) -> str:
    """`fanet18[upsampler=gai]` -> `fanet18_upsampler-gai_demo_s3_<hash of the setting>`."""
    safe = re.sub(r"[^A-Za-z0-9.]+", "_", canonical.replace("=", "-")).strip("_")
    name = f"{safe}_{schedule}_s{seed}"
    if setting is not None:
        name += "_" + hashlib.sha1(json.dumps(setting, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return name


def run_setting(config: dict[str, Any], schedule: dict[str, Any], canonical: str, world: int) -> dict[str, Any]:
    """What a run folder is keyed by (module docstring); bookkeeping (threads, workers, out) left out."""
    from arena.train.checkpoint import setting_of

    kept = ("data", "seed", "pretrained", "deterministic")
    return {"spec": canonical, "schedule": schedule, **{k: config.get(k) for k in kept},
            **setting_of(config, world)}


def _holds_a_run(folder: Path) -> bool:
    return folder.is_dir() and any(p.name != LOCK for p in folder.iterdir())


def check_new(folder: Path) -> None:
    """Refuse a new run into a folder that already holds one (checked before any work)."""
    if folder.exists() and not folder.is_dir():
        raise ArenaError(f"cannot start the run in {folder}: it is a file, not a folder (move it away, or pass "
                         "another --out)")
    if _holds_a_run(folder):
        raise ArenaError(f"run folder {folder} already holds a run with this setting: continue it with "
                         f"--resume {folder}, or pass another --out to start afresh")


@contextlib.contextmanager
def held(folder: Path, new: bool) -> Iterator[Path]:
    """The folder, made if needed and locked for this process until the block ends (module docstring).

    `new`: re-checked under the lock that no other run has just taken the folder."""
    import fcntl

    from arena.errors import WriteFailed

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise WriteFailed(f"cannot make the run folder {folder}: {e.strerror or e} (pass another --out)") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 64, 0).decode("utf-8", "replace").strip() or "another process"
            raise ArenaError(f"run folder {folder} is in use by another `arena train` ({owner}): wait for it to "
                             "end, or pass another --out") from None
        if new and _holds_a_run(folder):
            check_new(folder)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {os.uname().nodename}\n".encode(), 0)
        yield folder
    finally:
        os.close(fd)  # releases the lock


def write_config(folder: Path, record: dict[str, Any]) -> Path:
    """`config.json`, whole or not at all."""
    from arena import atomic

    return atomic.write_json(folder / CONFIG, record)
