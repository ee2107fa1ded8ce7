"""What separates the rows of a summary frame: its settings (device, precision, mode, resolution,
dataset, schedule; a train row's full setting record), and how to list, compare and filter them.

`pareto.select` and `tables.table` refuse to put two settings on one axis unless told; these are
the helpers they and the CLI share.
"""
from __future__ import annotations

import json

from arena.errors import ArenaError

SETTING = ("device", "precision", "mode", "resolution", "dataset", "schedule")  # what separates groups
OPTION = {"device": "--device", "precision": "--precision", "mode": "--mode", "resolution": "--res",
          "dataset": "--dataset", "schedule": "--schedule", "setting": "--setting"}


def setting_fields(rows) -> dict[str, dict]:
    """{setting id: {field: value}} of the train rows (fields flattened with dots, `schedule.iters`)."""
    t = rows[rows["kind"] == "train"] if "kind" in rows and "setting.id" in rows else rows.iloc[0:0]
    fields = [c for c in t.columns if c.startswith("setting.") and c != "setting.id"]
    out: dict[str, dict] = {}
    for record in t[["setting.id", *fields]].to_dict("records"):
        out.setdefault(record["setting.id"], {c.removeprefix("setting."): v for c, v in record.items()
                                              if c != "setting.id" and v is not None and v == v})
    return out


def setting_differences_of(df) -> dict[str, list]:
    """The setting fields whose values differ across the settings present in a summary frame
    (`schedule.iters`: [120, 240]): what a table says when one schedule name holds several settings."""
    known = df.attrs.get("setting_fields", {})
    present = [known[i] for i in dict.fromkeys(df["setting"].dropna()) if i in known] if "setting" in df else []
    if len(present) < 2:
        return {}
    out = {}
    for field in sorted({f for p in present for f in p}):
        values = {json.dumps(p.get(field), sort_keys=True, default=str) for p in present}
        if len(values) > 1:
            out[field] = [json.loads(v) for v in sorted(values)]
    return out


def groups(df, keys=SETTING):
    """The distinct settings present (non-null values per key), as a list of dicts."""
    present = [k for k in keys if k in df and df[k].notna().any()]
    if not present:
        return [{}]
    found = df[present].drop_duplicates()
    return [{k: v for k, v in rec.items() if v is not None and v == v} for rec in found.to_dict("records")]


def mixed_keys(df, keys=SETTING) -> list[str]:
    """The keys with more than one non-null value: a null is compatible with any value."""
    return [k for k in keys if k in df and df[k].dropna().nunique() > 1]


def describe_groups(df, keys) -> str:
    parts = []
    for g in groups(df, keys):
        parts.append(" ".join(f"{k}={v}" for k, v in g.items()) or "(no setting)")
    return "; ".join(parts)


def filter_setting(df, **wanted):
    """Keep rows matching each given setting (a null matches: that row lacks the measurement).

    `device` matches the device label, its kind (cpu, cuda:0) or a case-insensitive part of the
    label ("H200", "cpu"); the others match exactly. A filter no row matches is one ArenaError line
    naming the values present.
    """
    for key, value in wanted.items():
        if value is None or key not in df:
            continue
        column = df[key]
        if key == "device":
            needle = str(value).lower()
            kinds = df["device_kind"].fillna("").astype(str).str.lower() if "device_kind" in df else None
            hit = column.fillna("").astype(str).str.lower().str.contains(needle, regex=False)
            if kinds is not None:
                hit |= (kinds == needle) | (kinds.str.split(":").str[0] == needle)
        elif key == "setting":  # an id or its first characters
            hit = column.fillna("").astype(str).str.startswith(str(value))
        else:
            hit = column.astype(str) == str(value)
        if not (hit & column.notna()).any():
            present = sorted({str(v) for v in column.dropna()}) or ["none"]
            raise ArenaError(f"no rows for {OPTION.get(key, key)} {value}: the results hold "
                             f"{key} {', '.join(present)}")
        df = df[hit | column.isna()]
    return df
