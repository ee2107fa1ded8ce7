"""Training settings as a reader reads them: by the values that tell them apart, not by their hash (labels;
arena.report.settings lists, compares and filters them).

A train row's setting (`arena.results.setting`) is a record (schedule with its iterations, batch and
crop, data, validation set, ...) and a 10-character id hashing it. Two settings in one table, plot
or ranking are named by the fields where they differ (`iters=6`, `iters=12`), with the id only as a
suffix, since `--setting` takes it; one setting is described by its schedule in words.
"""
from __future__ import annotations

import json
from typing import Any


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value):
        return f"{value[0]:g}x{value[1]:g}"  # a crop or a resolution
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def differences(fields_by_id: dict[str, dict], ids) -> dict[str, dict[str, Any]]:
    """{field: {id: value}} for the (flattened, dotted) fields whose values differ across `ids`."""
    present = {i: fields_by_id.get(i, {}) for i in dict.fromkeys(ids)}
    out = {}
    for field in sorted({f for p in present.values() for f in p}):
        values = {i: p.get(field) for i, p in present.items()}
        if len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) > 1:
            out[field] = values
    return out


def labels(fields_by_id: dict[str, dict], ids) -> dict[str, str]:
    """{id: label}: the differing fields by value, short names where unambiguous (`schedule.iters`
    -> `iters`), then the id in parentheses: `iters=6 (2d3b3bea1d)`. One setting, or settings whose
    fields are unknown, are labelled by their id alone."""
    ids = [i for i in dict.fromkeys(ids) if i is not None and i == i]
    diff = differences(fields_by_id, ids) if len(ids) > 1 else {}
    short = {f: f.rsplit(".", 1)[-1] for f in diff}
    names = {f: (s if list(short.values()).count(s) == 1 else f) for f, s in short.items()}
    out = {}
    for i in ids:
        shown = " ".join(f"{names[f]}={_text(values[i])}" for f, values in diff.items() if values[i] is not None)
        out[i] = f"{shown} ({i})" if shown else str(i)
    return out


def describe(fields: dict[str, Any] | None) -> str:
    """One setting's schedule in words: `120 iterations of batch 8, crop 256x512` (what is known)."""
    fields = fields or {}
    parts = []
    if fields.get("schedule.iters") is not None:
        parts.append(f"{_text(fields['schedule.iters'])} iterations"
                     + (f" of batch {_text(fields['schedule.batch'])}" if fields.get("schedule.batch") is not None
                        else ""))
    if fields.get("schedule.crop") is not None:
        parts.append(f"crop {_text(fields['schedule.crop'])}")
    return ", ".join(parts)
