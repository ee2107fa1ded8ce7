"""Result rows: one JSON object per line, schema-versioned, appended atomically, loaded into pandas.

Every command that measures something (profile, bench, train) appends rows here (DESIGN.md §8).
A row holds: schema, kind, spec (the canonical name, the results key), network, overrides, swaps,
dataset, schedule, seed, metrics, protocol, environment, arena_version, git_commit, time. This module
knows no DSL: the identity columns come from `arena.api.Resolved.row_fields()`.

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
import json
import os
import warnings
from pathlib import Path
from typing import Any, Iterable

SCHEMA_VERSION = 2  # 2: `overrides` is its own column (1 mixed parameter overrides into `swaps`)
FIELDS = ("schema", "kind", "spec", "network", "overrides", "swaps", "dataset", "schedule", "seed", "metrics",
          "protocol", "environment", "arena_version", "git_commit", "time")
IDENTITY = ("spec", "network", "overrides", "swaps")
KINDS = ("profile", "bench", "train")


def make_row(kind: str, identity: dict[str, Any], metrics: dict[str, Any], *,
             protocol: dict[str, Any] | None = None, dataset: str | None = None, schedule: str | None = None,
             seed: int | None = None, environment_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete row. `identity` holds spec, network, overrides and swaps (`Resolved.row_fields()`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown row kind {kind!r}: choose from {', '.join(KINDS)}")
    missing = [k for k in IDENTITY if k not in identity]
    if missing:
        raise ValueError(f"row identity lacks {', '.join(missing)}: pass Resolved.row_fields()")
    from arena import __version__
    from arena import env

    return {"schema": SCHEMA_VERSION, "kind": kind, **{k: identity[k] for k in IDENTITY},
            "dataset": dataset, "schedule": schedule, "seed": seed, "metrics": metrics,
            "protocol": protocol or {}, "environment": environment_ or env.environment(),
            "arena_version": __version__, "git_commit": env.git_commit(),
            "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}


def writable_dir(path: str | os.PathLike, create: bool = True) -> Path:
    """The results folder, refused up front (before any work) when unusable; created if `create`.

    With `create=False` nothing is made yet: the folder, or its nearest existing parent, must be a
    writable folder, so a run that fails later leaves no empty folder behind.
    """
    from arena.errors import ArenaError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ArenaError(f"cannot write results to {path}: it is a file, not a folder (pass a folder with --out)")
    if not create:
        import tempfile

        parent = next((q for q in [path, *path.absolute().parents] if q.exists()), None)
        try:  # a real probe (permission bits say nothing to root, nor of read-only mounts); leaves nothing
            if parent is None or not parent.is_dir():
                raise NotADirectoryError(f"{parent} is not a folder")
            os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".arena-probe-"))
        except OSError as e:
            raise ArenaError(f"cannot create the results folder {path}: {e.strerror or e} "
                             "(pass a writable folder with --out)") from None
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ArenaError(f"cannot create the results folder {path}: {e.strerror or e} "
                         "(pass a writable folder with --out)") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ArenaError(f"cannot write results to {path}: permission denied (pass a writable folder with --out)")
    return path


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

    Nested dicts are flattened with dots (`metrics.macs`, `protocol.res`); `overrides` and `swaps`
    stay dicts, one column each.
    """
    import pandas as pd

    where = Path(where)
    files = sorted(where.rglob("*.jsonl")) if where.is_dir() else [where]
    rows = [r for f in files for r in read_rows(f) if kind is None or r.get("kind") == kind]
    if not rows:
        return pd.DataFrame(columns=list(FIELDS))
    kept = ("overrides", "swaps")
    frame = pd.json_normalize([{k: v for k, v in r.items() if k not in kept} for r in rows], sep=".")
    at = frame.columns.get_loc("network") + 1 if "network" in frame else 0
    for offset, column in enumerate(kept):
        frame.insert(at + offset, column, [r.get(column, {}) for r in rows])
    return frame
