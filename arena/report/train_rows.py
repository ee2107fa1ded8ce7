"""What a frame of train rows says about each row beyond its mIoU: whether it is at chance level,
and which rows have no finite mIoU to average (NaN from an imported row), for the one warning line
the commands print. `frames.summary` reads both."""
from __future__ import annotations


def _col(df, name):
    import pandas as pd

    return df[name] if name in df else pd.Series([None] * len(df), index=df.index, dtype=object)


def at_chance(t) -> list[bool]:
    """Per train row: at chance level (`arena.stats.at_chance`: per-class IoU, else mIoU vs classes)."""
    from arena.stats import at_chance

    per_class = [c for c in t.columns if c.startswith("metrics.iou.")]
    records = t[per_class + [c for c in ("metrics.miou", "protocol.data.classes") if c in t]].to_dict("records")
    return [at_chance({c: r[c] for c in per_class if r[c] == r[c]} or None, r.get("metrics.miou"),
                      r.get("protocol.data.classes")) for r in records]


def skipped(rows) -> list[str]:
    """The train rows left out of every mean for want of a finite mIoU (NaN from an imported row):
    `spec seed N`, for the one warning line the commands print."""
    import numpy as np
    import pandas as pd

    t = rows[rows["kind"] == "train"] if "kind" in rows else rows.iloc[0:0]
    miou = pd.to_numeric(_col(t, "metrics.miou"), errors="coerce").to_numpy(dtype=float)
    return [f"{sp} seed {sd}" for sp, sd, ok in zip(t["spec"], _col(t, "seed"), np.isfinite(miou)) if not ok]
