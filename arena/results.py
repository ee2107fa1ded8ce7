"""Result rows: the schema, one row's `setting`, and how rows are (de)serialised.

A row holds: schema, kind (profile, bench, train, eval), spec (the canonical name, the results key),
network, overrides, swaps, dataset, schedule, seed, metrics, protocol, setting, environment,
arena_version, git_commit, time. This module knows no DSL (the identity columns come from
`arena.api.Resolved.row_fields()`) and no folder: `arena.store.Store` reads and writes rows.

A row's **setting** is everything that must be equal for two rows to be averaged or paired: for
train rows the schedule record (iterations, batch, crop, learning rate, ...), the data record
(dataset, generator version and knobs, the training seed left out: seeds are what gets paired),
the validation set, AMP and the world size; for bench rows the device, precision, backend, mode,
batch, resolution and threads; for eval rows the mode (backend, dtype), resolution, the run or file
the weights came from, the validation set and the int8 calibration set; for profile rows the
resolution. It is stored as `setting`: a short hash (`id`) beside the readable fields it hashes.
Rows written before the column existed get it computed when read.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import warnings
from typing import Any

SCHEMA_VERSION = 3  # 3: `setting`; 2: `overrides` is its own column (1 mixed parameter overrides into `swaps`)
FIELDS = ("schema", "kind", "spec", "network", "overrides", "swaps", "dataset", "schedule", "seed", "metrics",
          "protocol", "setting", "environment", "arena_version", "git_commit", "time")
IDENTITY = ("spec", "network", "overrides", "swaps")
KINDS = ("profile", "bench", "train", "eval")

# what changes a latency (bench) beyond the network; the rest of a bench protocol is how it was timed
BENCH_SETTING = ("device", "dtype", "autocast", "channels_last", "compile", "cuda_graphs", "fuse_bn", "backend",
                 "batch", "threads", "include_resize", "include_argmax", "res")
# schedule fields that change nothing a train row reports (logging, checkpoint and mid-run evaluation cadence)
SCHEDULE_BOOKKEEPING = ("source", "log_every", "ckpt_every", "eval_every")
# data fields that are not the data: the seed is what seeds pair over, the rest is descriptive
DATA_BOOKKEEPING = ("seed", "scene_seed", "class_names", "root")


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

    row = {"schema": SCHEMA_VERSION, "kind": kind, **{k: identity[k] for k in IDENTITY},
           "dataset": dataset, "schedule": schedule, "seed": seed, "metrics": metrics,
           "protocol": protocol or {}, "environment": environment_ or env.environment(),
           "arena_version": __version__, "git_commit": env.git_commit(),
           "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    row["setting"] = setting(row)
    return row


def setting(row: dict[str, Any]) -> dict[str, Any]:
    """The row's setting (module docstring): `{"id": short hash, **the fields it hashes}`."""
    p = row.get("protocol") or {}
    if row.get("kind") == "train":
        schedule = p.get("schedule")
        schedule = ({k: v for k, v in schedule.items() if k not in SCHEDULE_BOOKKEEPING}
                    if isinstance(schedule, dict) else row.get("schedule"))
        fields = {"dataset": row.get("dataset"), "schedule": schedule, "data": _data(p.get("data")),
                  "val": _data(p.get("val")), "amp": p.get("amp"), "world": p.get("world")}
    elif row.get("kind") == "bench":
        fields = {k: p.get(k) for k in BENCH_SETTING}
        fields["device_name"] = (row.get("environment") or {}).get("device_name")
        if p.get("by_node"):  # timed beside its nodes, in another process: never averaged with plain rows
            fields["by_node"] = True
        if p.get("dtype") == "int8":  # the calibration set makes the quantised network (only int8 rows: ids stay)
            fields["calibration"] = {k: ((p.get("quantisation") or {}).get("calibration") or {}).get(k)
                                     for k in ("data", "size", "seed")}
    elif row.get("kind") == "eval":  # the mode, the weights it evaluates and the validation set
        quantisation = p.get("quantisation") or {}
        fields = {"backend": p.get("backend"), "dtype": p.get("dtype"), "res": p.get("res"),
                  "source": (p.get("source") or {}).get("run") or (p.get("source") or {}).get("file"),
                  "val": _data(p.get("val")),
                  "calibration": {k: quantisation["calibration"].get(k) for k in ("data", "size", "seed")}
                  if quantisation.get("calibration") else None}
    else:
        fields = {"res": p.get("res")}
    text = json.dumps(fields, sort_keys=True, default=str)
    return {"id": hashlib.sha1(text.encode()).hexdigest()[:10], **fields}


def _data(record):
    return {k: v for k, v in record.items() if k not in DATA_BOOKKEEPING} if isinstance(record, dict) else record


def serialise(row: dict[str, Any]) -> str:
    """One JSON line; a row missing a field is a bug in its maker, not a user mistake."""
    missing = [f for f in FIELDS if f not in row]
    if missing:
        raise ValueError(f"result row lacks {', '.join(missing)}: build it with results.make_row")
    return json.dumps(row, sort_keys=True, default=str, allow_nan=True)


def read_rows(path) -> list[dict[str, Any]]:
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
            if "setting" not in row:
                row["setting"] = setting(row)
            rows.append(row)
    return rows


def to_frame(rows: list[dict[str, Any]]):
    """Rows as a DataFrame: nested dicts flattened with dots (`metrics.macs`, `protocol.res`,
    `setting.id`); `overrides` and `swaps` stay dicts, one column each."""
    import pandas as pd

    if not rows:
        return pd.DataFrame(columns=list(FIELDS))
    kept = ("overrides", "swaps")
    frame = pd.json_normalize([{k: v for k, v in r.items() if k not in kept} for r in rows], sep=".")
    at = frame.columns.get_loc("network") + 1 if "network" in frame else 0
    for offset, column in enumerate(kept):
        frame.insert(at + offset, column, [r.get(column, {}) for r in rows])
    return frame
