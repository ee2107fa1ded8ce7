"""A network's roofline bound at a dtype: how far a deployment mode is from the hardware (issue 27).

The bound is the sum over the inference nodes (and the final resize) of each node's roofline
bound, ``max(2 x MACs / peak FLOP/s, bytes / peak bandwidth)`` (arena.measure.roofline), with the
per-node MACs of `arena profile` and, as bytes, each node's inputs, outputs and parameters once, at
the dtype's element size. One figure for every mode of a network (eager, compile, ONNX Runtime,
OpenVINO) at that dtype, so ``efficiency = bound / measured`` compares them on one scale.

What it is and is not: a lower bound on time when the peaks are the device's, and the bytes a lower
bound on traffic. int8 counts one byte per element for weights and activations (a QDQ graph keeps
some ops, resize and softmax among them, in fp32: its real traffic is larger) and the int8 GEMM
rate that `arena bench --calibrate` measures with ONNX Runtime's MatMulInteger; an engine whose
int8 kernels beat that GEMM (OpenVINO's may) can show an efficiency above 1. A fused graph (compile, the engines) does not
write the values inside a node, and the bound does not count them either; it does count each value
between nodes, which a fusion across nodes can skip.
"""
from __future__ import annotations

from typing import Any

ELEMENT_BYTES = {"fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "int8": 1}


def node_bytes(row: dict[str, Any], dtype: str) -> float:
    """Inputs, outputs and parameters of one profile node at `dtype` (profile counts fp32 bytes)."""
    width = ELEMENT_BYTES[dtype]
    return (row.get("in_bytes", 0) + row["out_bytes"]) / 4 * width + row["params"] * width


def network_bound(prof: dict[str, Any], dtype: str, peaks: dict[str, Any]) -> dict[str, Any]:
    """{"ms", "compute_ms", "memory_ms", "limit", "dtype", "nodes", "peaks_source"} for a profile
    (arena.measure.profile.profile) at `dtype` under `peaks` (arena.measure.peaks.peaks)."""
    from arena.measure.roofline import roofline

    compute = memory = total = 0.0
    counted = 0
    for row in prof["nodes"]:
        if row["aux"] is not None or row["macs"] is None:  # training-only heads, nodes not run at inference
            continue
        b = roofline(row["macs"], node_bytes(row, dtype), peaks)
        compute, memory, total, counted = compute + b["compute_ms"], memory + b["memory_ms"], total + b["ms"], counted + 1
    return {"ms": total, "compute_ms": compute, "memory_ms": memory,
            "limit": "compute" if compute >= memory else "memory", "dtype": dtype, "nodes": counted,
            "peaks_source": peaks.get("source")}


def bound_for(spec: str, res: tuple[int, int], dtype: str, *, device: str, threads: int | None, batch: int = 1,
              swaps=None, cache: dict | None = None, given_peaks: dict | None = None) -> dict[str, Any]:
    """The bound of one bench case, or {"error": why} (a bound that cannot be formed never fails a
    bench). `cache` shares the profile between the modes of one network; `given_peaks` replaces
    the device's peaks at `dtype` (arena.measure.peaks)."""
    from arena.errors import ArenaError
    from arena.measure.peaks import peaks
    from arena.measure.profile import profile

    cache = {} if cache is None else cache
    key = (spec, tuple(res), batch, tuple(swaps or ()))
    try:
        if key not in cache:
            cache[key] = profile(spec, tuple(res), swaps=list(swaps) if swaps else None, batch=batch)
        return network_bound(cache[key], dtype, given_peaks or peaks(device, dtype, threads=threads))
    except ArenaError as e:  # a profile refused (resolution, memory), no peak for the dtype
        return {"error": str(e)}


__all__ = ["ELEMENT_BYTES", "bound_for", "network_bound", "node_bytes"]
