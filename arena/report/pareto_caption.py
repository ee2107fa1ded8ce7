"""The Pareto plot's caption: what its points were measured and trained under, in words."""
from __future__ import annotations

from arena.report.axes import X_AXES
from arena.report.mode_accuracy import BORROWED


def caption(points, x: str, y: str = "miou") -> str:
    """Device, precision, resolution and training setup of the points, in words."""
    ax = X_AXES[x]

    def values(key):
        return sorted({str(v) for v in points[key].dropna()}) if key in points else []

    parts = []
    if "device" in ax.keys:
        parts.append("device: " + (" | ".join(values("device")) or "unknown"))
        precision = values("precision")
        modes = [m for m in values("mode") if m != "eager"]
        batch = "" if any("batch=" in m for m in modes) else ", batch 1"
        parts.append("precision: " + (", ".join(precision) or "unknown") + (f" ({', '.join(modes)})" if modes
                                                                            else ", eager") + batch)
    elif x == "gmacs":
        parts.append("MACs: arena's primary counter, batch 1, eval mode")
    else:
        parts.append("parameters: inference graph (auxiliary heads excluded); device-independent")
    if "resolution" in ax.keys:
        parts.append("resolution: " + (", ".join(values("resolution")) or "unknown"))
    training = sorted({f"{r['schedule']} schedule on {r['dataset']}" for r in points[["dataset", "schedule"]]
                       .fillna("?").to_dict("records")})
    how = points.attrs.get("schedule_text")
    parts.append("training: " + ", ".join(training) + (f" ({how})" if how else ""))
    n = points["n_seeds"].dropna().astype(int)
    if len(n):
        seeds = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
        bars = "error bars: 95 % t-interval over the seeds" if n.max() >= 2 else "one seed each: no error bars"
        parts.append(f"mIoU: mean of {seeds} seed(s), {bars}")
    borrowed = int((points["miou_source"] == BORROWED).sum()) if "miou_source" in points else 0
    if borrowed:
        parts.append(f"{borrowed} point(s) borrow fp32 eager's mIoU (no `arena eval` rows of their mode): "
                     "their accuracy was not measured as they run")
    parts.append("dashed step: the Pareto front on means (ties kept); a hollow front point's mIoU is not "
                 "separated from a neighbour's on the front (the table's bold rule: paired t-test on three or "
                 "more shared seeds, Holm-adjusted over the plot's neighbour pairs, 5 %; fewer seeds, or no "
                 "spread, leave it hollow); arrows: base -> hybrid")
    return "; ".join(parts)
