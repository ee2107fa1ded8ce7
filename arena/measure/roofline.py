"""The per-node roofline bound of `arena bench --by-node` (DESIGN.md §6).

``bound = max(2 x MACs / peak FLOP/s, bytes moved / peak bandwidth)``: no kernel can beat either
term, so bound / measured (the efficiency) is at most 1 when the bytes are a lower bound on the
traffic. The peaks come from arena.measure.peaks (calibration, datasheet table, their cache).
"""
from __future__ import annotations

from typing import Any

from arena.errors import ArenaError


def roofline(macs: float, bytes_moved: float, p: dict[str, Any]) -> dict[str, Any]:
    """The bound's parts: {"ms", "compute_ms", "memory_ms", "limit": "compute" | "memory"}.

    FLOPs = 2 x MACs. A term whose work is zero needs no peak; a needed peak that is None raises
    ArenaError naming the fix.
    """
    if macs < 0 or bytes_moved < 0:
        raise ValueError(f"MACs and bytes must be non-negative, got {macs} and {bytes_moved}")

    def term(work: float, peak: float | None, what: str) -> float:
        if work == 0:
            return 0.0
        if not peak:
            raise ArenaError(f"no peak {what} known for this device ({p.get('source')}): "
                             f"run `arena bench --calibrate`")
        return work / peak * 1e3

    compute = term(2.0 * macs, p.get("flops"), "FLOP/s")
    memory = term(float(bytes_moved), p.get("bandwidth"), "bandwidth")
    return {"ms": max(compute, memory), "compute_ms": compute, "memory_ms": memory,
            "limit": "compute" if compute >= memory else "memory"}


def efficiency(bound_ms: float, measured_ms: float) -> float:
    """bound / measured: 1.0 runs at the roofline; small values are far from it (launch-bound)."""
    if not measured_ms > 0:
        raise ValueError(f"measured time must be positive, got {measured_ms}")
    return bound_ms / measured_ms


__all__ = ["efficiency", "roofline"]
