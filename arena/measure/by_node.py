"""`arena bench --by-node`: each node timed on its real inputs, beside its MACs, bytes and roofline bound.

Why both sums are shown: at batch 1, small networks are launch-bound, so the sum of the nodes'
times and the end-to-end time differ (per-node timing pays each node's launch and cache warm-up on
its own; the end-to-end pass overlaps and reuses). The gap is a finding, never hidden by printing
one figure for the other. Nodes are timed eagerly on the model as timed (folded, cast, laid out),
even when the end-to-end figure is compiled or replayed: compiled code has no node boundaries.
Inputs are captured and nodes timed under the same context (inference mode, math mode, autocast),
so a node sees the dtypes it saw in the forward pass.

Bytes moved per node: its inputs, its outputs and its parameters, once each, at the timed dtype: a
lower bound on traffic (DESIGN.md §6), so the roofline bound max(2 x MACs / peak FLOP/s,
bytes / peak bandwidth) is a lower bound on time and efficiency = bound / measured is at most 1.
"""
from __future__ import annotations

import dataclasses
import statistics
from typing import Any

from arena.measure.prepare import PreparedCase, call_context, forward_fn
from arena.measure.timing import Sink, time_call


def _nbytes(values) -> int:
    import torch

    total = 0
    for v in values if isinstance(values, (list, tuple)) else (values,):
        if isinstance(v, torch.Tensor):
            total += v.numel() * v.element_size()
        elif isinstance(v, (list, tuple)):
            total += _nbytes(v)
    return total


def capture_inputs(case: PreparedCase) -> tuple[dict[str, tuple], Any]:
    """Each inference node's real inputs from one forward pass of the timed model, and the native logits."""
    import torch

    model, p = case.model, case.protocol
    if model is None:
        from arena.measure.protocol import BenchError

        raise BenchError("--by-node times the eager model's nodes: use it with --backend eager")
    inputs: dict[str, tuple] = {}
    hooks = [model.nodes[n.name].register_forward_pre_hook(lambda m, args, k=n.name: inputs.setdefault(k, args))
             for n in model.inference_plan]
    saved = model.resize_output
    model.resize_output = False
    try:
        native = forward_fn(model, dataclasses.replace(p, include_argmax=False), torch.device(p.device).type)(case.x)
    finally:
        model.resize_output = saved
        for h in hooks:
            h.remove()
    return inputs, native


def time_nodes(case: PreparedCase, end_to_end_ms: float, peaks: dict[str, Any] | None = None,
               iters: int | None = None) -> dict[str, Any]:
    """Per-node milliseconds (median of `iters` after a short warm-up), shares, MACs, bytes, roofline."""
    import torch
    import torch.nn.functional as F

    from arena.measure import roofline
    from arena.measure.peaks import peaks as device_peaks
    from arena.measure.profile import WRAPPER, profile

    p = case.protocol
    inputs, native = capture_inputs(case)
    prof = profile(case.case.spec, case.case.res, swaps=list(case.case.swaps) or None, batch=p.batch)
    macs = {n["node"]: n["macs"] or 0 for n in prof["nodes"]}
    peaks = peaks or device_peaks(p.device, p.dtype, threads=p.threads)
    n_iters = iters or max(5, min(p.timed_iters, 20))
    model = case.model
    calls = []
    for node in model.inference_plan:
        module, args = model.nodes[node.name], inputs[node.name]
        calls.append((node.name, f"{node.role.value}.{node.block}", module, args))
    if p.include_resize:
        size = case.x.shape[-2:]
        resize = torch.nn.Module()  # a stand-in holder for the wrapper's resize: no parameters
        calls.append((WRAPPER, "wrapper.resize", resize, (native,)))
    rows = []
    device_type = torch.device(p.device).type
    for name, block, module, args in calls:
        if name == WRAPPER:
            def run(a=args[0]):
                return F.interpolate(a, size=size, mode="bilinear", align_corners=model.final_align_corners)
        else:
            def run(m=module, a=args):
                return m(*a)
        sink = Sink()
        with call_context(p, device_type):
            out = run()
            for _ in range(2):
                time_call(run, p.device, sink)
            ms = statistics.median(time_call(run, p.device, sink) for _ in range(n_iters))
        moved = _nbytes(args) + _nbytes(out) + sum(q.numel() * q.element_size() for q in module.parameters())
        bound = roofline.roofline(macs.get(name, 0), moved, peaks)["ms"]
        rows.append({"node": name, "block": block, "ms": ms, "macs": macs.get(name, 0), "bytes": moved,
                     "bound_ms": bound, "efficiency": roofline.efficiency(bound, ms)})
    total = sum(r["ms"] for r in rows)
    for r in rows:
        r["share"] = r["ms"] / total if total else 0.0
    return {"nodes": rows, "sum_of_nodes_ms": total, "end_to_end_ms": end_to_end_ms,
            "gap_ms": end_to_end_ms - total, "node_iterations": n_iters, "peaks": peaks,
            "timed": "each node eagerly on its captured inputs, under the forward's autocast and math mode, "
                     "median of node_iterations after 2 warm-up calls"}
