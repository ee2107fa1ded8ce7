"""Each deployment mode at its own accuracy: the eval rows a bench row's mode has, or a note that it
borrows fp32's.

Why: a Pareto point of an int8 or engine mode placed at the fp32 network's mIoU claims an accuracy
nobody measured. `arena eval` writes one `eval` row per (network, backend, dtype); the reports look a
bench row's mode up here and either place it at that mode's own mIoU or say it borrows fp32 eager's.
Plain rows in, plain data out: the reports call it, whatever frames they build.
"""
from __future__ import annotations

import statistics
from typing import Any, Iterable

OWN, BORROWED = "own", "borrowed from fp32 eager"


def mode_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """(spec, backend, dtype) of a bench or eval row; an eager fp32 mode (compiled, folded, laid out)
    computes fp32 eager's answer within the bench's fp32 tolerance, so it keys as eager fp32."""
    p = row.get("protocol") or {}
    return row.get("spec"), p.get("backend") or "eager", p.get("dtype") or "fp32"


def index(eval_rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(spec, backend, dtype) -> {"miou": mean over the eval rows (runs, seeds), "n", "sources"}."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in eval_rows:
        if row.get("kind") == "eval" and (row.get("metrics") or {}).get("miou") is not None:
            groups.setdefault(mode_key(row), []).append(row)
    return {key: {"miou": statistics.fmean(r["metrics"]["miou"] for r in rows), "n": len(rows),
                  "sources": sorted({str((r["protocol"].get("source") or {}).get("run")
                                         or (r["protocol"].get("source") or {}).get("file")) for r in rows})}
            for key, rows in groups.items()}


def accuracy_of(bench_row: dict[str, Any], evals: dict[tuple[str, str, str], dict[str, Any]],
                fp32_miou: float | None = None) -> dict[str, Any]:
    """{"miou", "source": OWN | BORROWED | None, "n"}: the mode's own eval mIoU when one exists, else
    `fp32_miou` (the training rows' figure) marked as borrowed; a reduced-precision mode without an eval
    borrows too, and says so."""
    own = evals.get(mode_key(bench_row))
    if own is not None:
        return {"miou": own["miou"], "source": OWN, "n": own["n"]}
    return {"miou": fp32_miou, "source": BORROWED if fp32_miou is not None else None, "n": 0}


__all__ = ["BORROWED", "OWN", "accuracy_of", "index", "mode_key"]
