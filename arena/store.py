"""The results store: one folder of JSONL rows, and the one owner of reading and writing them.

Rows are written only through `Store.append` (by the CLI commands and the study driver; measuring
functions return rows and never write), one file per kind (`profile.jsonl`, `bench.jsonl`,
`train.jsonl`), and read through `Store.records` / `Store.rows`, every `*.jsonl` under the folder
(sub-folders too) but the failure log. Failed study jobs go to `failures.jsonl`, owned here as well.

Atomic append, chosen over write-temp-then-`os.replace`: each row is serialised first, then
written with ONE `os.write` on a file opened with `O_APPEND`, its byte count checked, then
`fsync`ed; a full disk, an I/O error or a short write truncates the file back to its length before
the call and fails the command in one line (arena.atomic.append_lines). With `O_APPEND` the
kernel moves to the end and writes in one step, so concurrent writers never overwrite each other,
and the cost stays O(row) instead of rewriting the whole file per row. A crash can at worst leave
one truncated last line: reading skips a damaged line with a warning naming file:line, and the next
append starts on a fresh line, so no complete row is ever lost.

Reruns: when several rows answer the same question (a key of columns), `latest` keeps the one
written last: the greatest `time` (ISO UTC), ties broken by read order (files in sorted path
order, lines in file order), the later winning.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import warnings
from pathlib import Path
from typing import Any, Iterable

from arena import results
from arena.errors import ArenaError

FAILURES = "failures.jsonl"


class Store:
    """A results folder (`--out DIR`, default ./results). Nothing is created until rows are appended."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.skipped = 0  # damaged lines the last `records` skipped (each warned with file:line)

    def __repr__(self) -> str:
        return f"Store({str(self.folder)!r})"

    # -- writing ------------------------------------------------------------------------------------
    def check_writable(self) -> "Store":
        """Refuse an unusable folder before any work (probed, not created)."""
        from arena.checks import writable_folder

        writable_folder(self.folder, "results", create=False)
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.jsonl")):
                if path.is_dir():  # rows could never be appended to it: after the work, too late
                    raise ArenaError(f"cannot write results to {self.folder}: {path} is a folder, not a file of "
                                     "rows (move it away, or pass another --out)")
        return self

    def append(self, rows: Iterable[dict[str, Any]]) -> list[Path]:
        """Append complete rows (results.make_row), each to `<kind>.jsonl`; returns the files written."""
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_kind.setdefault(row.get("kind"), []).append(row)
        return [_append_lines(self.folder / f"{kind}.jsonl", [results.serialise(r) for r in group])
                for kind, group in by_kind.items()]

    # -- reading ------------------------------------------------------------------------------------
    def files(self) -> list[Path]:
        if self.folder.is_file():
            return [self.folder]
        if not self.folder.is_dir():
            return []
        return [p for p in sorted(self.folder.rglob("*.jsonl")) if p.name != FAILURES and p.is_file()]

    def records(self, kind: str | None = None, *, quiet: bool = False) -> list[dict[str, Any]]:
        """Every row as a dict, in read order; damaged lines skipped with a warning (none if `quiet`)."""
        counts: dict[str, int] = {}
        with warnings.catch_warnings():
            if quiet:
                warnings.simplefilter("ignore")
            rows = [r for f in self.files() for r in results.read_rows(f, counts)]
        self.skipped = counts.get("skipped", 0)
        return [r for r in rows if kind is None or r.get("kind") == kind]

    def rows(self, kind: str | None = None, **filters):
        """The rows as a DataFrame, nested dicts flattened with dots (`metrics.macs`, `setting.id`);
        `overrides` and `swaps` stay dicts. `filters` keep rows whose column equals the value."""
        frame = results.to_frame(self.records(kind))
        for column, value in filters.items():
            if column not in frame:
                return frame.iloc[0:0]
            frame = frame[frame[column] == value]
        return frame

    def done(self, *, rerun_stale: bool = False) -> set[str]:
        """Job keys of the rows present; rows made by another arena version or commit count unless
        `rerun_stale` (then they are run again)."""
        from arena import __version__, env

        commit = env.git_commit()
        return {r["job_key"] for r in self.records(quiet=True) if r.get("job_key")
                and not (rerun_stale and (r.get("git_commit") != commit or r.get("arena_version") != __version__))}

    # -- failures -----------------------------------------------------------------------------------
    def failures(self) -> dict[str, str]:
        """Job key -> the error of its last failure."""
        from arena import jsonl

        path = self.folder / FAILURES
        if not path.is_file():
            return {}
        out = {}
        for record in jsonl.read(path, _failure_problem, what="damaged failure record")[0]:
            for key in record["keys"]:
                out[key] = record.get("error", "")
        return out

    def record_failure(self, job: dict[str, Any], keys: list[str], error: str) -> None:
        line = json.dumps({"job": job, "keys": keys, "error": error,
                           "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}, default=str)
        _append_lines(self.folder / FAILURES, [line])

    def clear_failures(self, keys: set[str]) -> None:
        """Forget the failures of jobs being retried (they get a new record if they fail again)."""
        from arena import atomic, jsonl

        path = self.folder / FAILURES
        if not path.is_file():
            return
        kept = []
        for raw in path.read_bytes().splitlines():
            try:
                record = jsonl.parse(raw)
                retried = _failure_problem(record) is None and set(record["keys"]) & keys
            except ValueError:
                retried = False  # a damaged line is kept as it is: not ours to drop
            if raw.strip() and not retried:
                kept.append(raw)
        atomic.write_bytes(path, b"".join(line + b"\n" for line in kept))


def _failure_problem(record) -> str | None:
    if not isinstance(record, dict):
        return f"a {type(record).__name__}, not a failure record"
    if not isinstance(record.get("keys"), list) or not all(isinstance(k, str) for k in record["keys"]):
        return "its 'keys' is not a list of job keys"
    if not isinstance(record.get("error", ""), str):
        return "its 'error' is not text"
    return None


def latest(frame, keys):
    """The last-written row of each key (module docstring: greatest `time`, then read order)."""
    if "time" in frame:
        frame = frame.sort_values("time", kind="stable")
    return frame.drop_duplicates(list(keys), keep="last")


def latest_records(records: Iterable[dict[str, Any]], key) -> list[dict[str, Any]]:
    """`latest` for plain rows: the last-written row of each `key(row)`, by the same rule (greatest
    `time`, ties broken by read order), in the order of their keys' first appearance by time."""
    ordered = sorted(records, key=lambda r: r.get("time", ""))  # stable: read order breaks ties
    return list({key(r): r for r in ordered}.values())


def _append_lines(path: Path, lines: list[str]) -> Path:
    """Whole lines, each written and checked (arena.atomic.append_lines: a full disk leaves the file as it was)."""
    from arena import atomic

    return atomic.append_lines(path, lines)
