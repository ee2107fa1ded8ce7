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


NUMBERS = ("miou", "pixel_acc", "params", "params_inference", "macs", "gmacs", "median_ms", "p10_ms", "p90_ms",
           "fps", "images_per_s", "wall_s")  # metrics the reports compute with
_TEXT = ("spec", "kind")
_TEXT_OR_NONE = ("network", "dataset", "schedule", "time", "job_key", "study", "git_commit", "arena_version")
_DICT_OR_NONE = ("overrides", "swaps", "protocol", "setting", "environment")


def _number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def row_problem(row: Any) -> str | None:
    """Why `row` cannot be used as a result row (the types of every field a report reads), or None."""
    if not isinstance(row, dict):
        return f"a {type(row).__name__}, not a result row"
    for key in _TEXT:
        if not isinstance(row.get(key), str) or not row[key]:
            return f"its {key!r} is {type(row.get(key)).__name__ if key in row else 'missing'}, not a name"
    if row["kind"] not in KINDS:
        return f"unknown kind {row['kind'][:40]!r}"
    schema = row.get("schema", 0)
    if not isinstance(schema, int) or isinstance(schema, bool):
        return "its 'schema' is not a number"
    if schema > SCHEMA_VERSION:
        return f"schema {schema} is newer than this arena ({SCHEMA_VERSION}): upgrade arena to read it"
    if not isinstance(row.get("metrics"), dict):
        return f"its 'metrics' is {type(row.get('metrics')).__name__ if 'metrics' in row else 'missing'}, not a dict"
    bad = [k for k in NUMBERS if not _number(row["metrics"].get(k))]
    if bad:
        return f"metrics.{bad[0]} is not a number"
    for keys, ok, kind in ((_TEXT_OR_NONE, lambda v: v is None or isinstance(v, str), "text"),
                           (_DICT_OR_NONE, lambda v: v is None or isinstance(v, dict), "a dict"),
                           (("seed",), lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
                            "an integer")):
        for key in keys:
            if not ok(row.get(key)):
                return f"its {key!r} is not {kind}"
    if row["kind"] == "train" and row.get("seed") is None:
        return "a train row without a seed"
    return None


def read_rows(path, counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Rows of one JSONL file (arena.jsonl: lenient bytes, a depth limit, `row_problem` checked); a bad
    line is skipped with one warning naming file:line, and counted in `counts["skipped"]`."""
    from arena import jsonl

    rows, skipped = jsonl.read(path, row_problem, what="damaged result row")
    if counts is not None:
        counts["skipped"] = counts.get("skipped", 0) + skipped
    for row in rows:
        if not isinstance(row.get("setting"), dict) or not isinstance(row["setting"].get("id"), str):
            row["setting"] = setting(row)
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
