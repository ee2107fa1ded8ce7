"""Result rows: one JSON object per line, schema-versioned, appended atomically, loaded into pandas.

Every command that measures something (profile, bench, train) appends rows here (DESIGN.md §8).
A row holds: schema, kind, spec (the canonical name, the results key), network, swaps, dataset,
schedule, seed, metrics, protocol, environment, arena_version, git_commit, time.

Atomic append, chosen over write-temp-then-`os.replace`: each row is serialised first, then
written with ONE `os.write` on a file opened with `O_APPEND`, then `fsync`ed. With `O_APPEND` the
kernel moves to the end and writes in one step, so concurrent writers (study workers) never
overwrite each other, and the cost stays O(row) instead of rewriting the whole file per row (which
would also lose rows when two writers replace the file at once). A crash can at worst leave one
truncated last line: `load` skips a damaged line with a warning naming file:line, and the next
append starts on a fresh line, so no complete row is ever lost.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import platform
import subprocess
import warnings
from pathlib import Path
from typing import Any, Iterable

SCHEMA_VERSION = 1
FIELDS = ("schema", "kind", "spec", "network", "swaps", "dataset", "schedule", "seed", "metrics", "protocol",
          "environment", "arena_version", "git_commit", "time")
KINDS = ("profile", "bench", "train")


def split_canonical(canonical: str) -> tuple[str, dict[str, str]]:
    """`fanet18[upsampler=gai(iters=1),classes=11]` -> ("fanet18", {"upsampler": "gai(iters=1)", ...})."""
    from arena.dsl.spec import format_value, parse_spec

    base, items = parse_spec(canonical)
    return base, {key: format_value(value) for key, value in items.items()}


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the arena checkout, or None outside a git checkout (read-only git call)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment() -> dict[str, Any]:
    """What the numbers may depend on: Python, torch, platform, CPU, and the GPU stack when present."""
    env: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                           "machine": platform.machine(), "cpu": _cpu_model(), "cpus": os.cpu_count()}
    try:
        import torch

        env["torch"] = torch.__version__
        if torch.cuda.is_available():
            env.update(gpu=torch.cuda.get_device_name(0), cuda=torch.version.cuda,
                       cudnn=torch.backends.cudnn.version())
    except ImportError:  # pragma: no cover - torch is a hard dependency
        pass
    return env


def make_row(kind: str, spec: str, metrics: dict[str, Any], *, protocol: dict[str, Any] | None = None,
             dataset: str | None = None, schedule: str | None = None, seed: int | None = None,
             environment_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete row; network and swaps are derived from the canonical `spec`."""
    if kind not in KINDS:
        raise ValueError(f"unknown row kind {kind!r}: choose from {', '.join(KINDS)}")
    from arena import __version__

    network, swaps = split_canonical(spec)
    return {"schema": SCHEMA_VERSION, "kind": kind, "spec": spec, "network": network, "swaps": swaps,
            "dataset": dataset, "schedule": schedule, "seed": seed, "metrics": metrics,
            "protocol": protocol or {}, "environment": environment_ or environment(),
            "arena_version": __version__, "git_commit": git_commit(),
            "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def append(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> Path:
    """Append rows to a JSONL file (created with its folder if missing), one atomic write per row."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        needs_newline = _ends_without_newline(path)
        for row in rows:
            missing = [f for f in FIELDS if f not in row]
            if missing:
                raise ValueError(f"result row lacks {', '.join(missing)}: build it with results.make_row")
            data = json.dumps(row, sort_keys=True, default=str, allow_nan=True) + "\n"
            if needs_newline:  # a crash left a truncated line: never glue a good row onto it
                data, needs_newline = "\n" + data, False
            os.write(fd, data.encode())
            os.fsync(fd)
    finally:
        os.close(fd)
    return path


def _ends_without_newline(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return False
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1) != b"\n"


def read_rows(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of one JSONL file; a damaged line (or a newer schema) is skipped with a warning."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or "kind" not in row:
                    raise ValueError("not a result row")
            except ValueError as e:
                warnings.warn(f"{path}:{lineno}: damaged result row skipped ({e})", stacklevel=2)
                continue
            if row.get("schema", 0) > SCHEMA_VERSION:
                warnings.warn(f"{path}:{lineno}: schema {row['schema']} is newer than this arena "
                              f"({SCHEMA_VERSION}); row skipped, upgrade arena to read it", stacklevel=2)
                continue
            rows.append(row)
    return rows


def load(where: str | os.PathLike, kind: str | None = None):
    """Every row under a folder (all `*.jsonl`, recursively) or in one file, as a pandas DataFrame.

    Nested dicts are flattened with dots (`metrics.macs`, `protocol.res`); `swaps` stays a dict.
    """
    import pandas as pd

    where = Path(where)
    files = sorted(where.rglob("*.jsonl")) if where.is_dir() else [where]
    rows = [r for f in files for r in read_rows(f) if kind is None or r.get("kind") == kind]
    if not rows:
        return pd.DataFrame(columns=list(FIELDS))
    swaps = [r.get("swaps", {}) for r in rows]
    frame = pd.json_normalize([{k: v for k, v in r.items() if k != "swaps"} for r in rows], sep=".")
    frame.insert(frame.columns.get_loc("network") + 1 if "network" in frame else 0, "swaps", swaps)
    return frame
