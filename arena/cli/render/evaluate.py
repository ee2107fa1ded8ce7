"""The table of `arena eval`: each mode at its own accuracy, beside fp32 eager."""
from __future__ import annotations

from typing import Any

from rich.table import Table


def _mode(r: dict[str, Any]) -> str:
    return f"{r['mode']['backend']} {r['mode']['dtype']}"


def eval_table(spec: str, res, results: list[dict[str, Any]], latency: list[dict[str, Any]] | None) -> Table:
    """mode, mIoU, Δ to fp32 eager [per-image paired interval], argmax agreement, latency ratio [interval]."""
    images = results[0]["images"]
    table = Table(title=f"{spec} @ {res[0]}x{res[1]}: {images} validation image(s), each mode against fp32 eager")
    for header in ("mode", "mIoU %", "Δ mIoU (points)", "per-image Δ [95 % CI]", "argmax agreement %",
                   "latency ratio [95 % CI]"):
        table.add_column(header, justify="left" if header == "mode" else "right")
    for k, r in enumerate(results):
        if k == 0:
            delta, interval, ratio = "reference", "-", "reference" if latency else "-"
        else:
            delta = f"{100 * r['delta_miou']:+.2f}"
            i = r["delta_interval"]
            interval = "-" if i is None else f"{100 * i['mean']:+.2f} [{100 * i['low']:+.2f}, {100 * i['high']:+.2f}]"
            lat = latency[k] if latency else None
            ratio = "-" if not lat or lat.get("geomean") is None else (
                f"x{lat['geomean']:.2f}" + ("" if lat.get("ci_low") is None
                                            else f" [{lat['ci_low']:.2f}, {lat['ci_high']:.2f}]"))
        table.add_row(_mode(r), f"{100 * r['miou']:.2f}", delta, interval, f"{100 * r['argmax_agreement']:.2f}", ratio)
    return table


__all__ = ["eval_table"]
