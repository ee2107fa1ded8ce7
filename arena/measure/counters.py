"""The primary MAC counter: FlopCounterMode plus documented costs (the cross-checks: cross_checks.py).

Why three: peer counters disagree by 0 to 11 operations per output pixel on interpolation, miss
`@` attention, double count modules and call MACs "FLOPs" (specs/peers.md §3). The primary counter
dispatches at the aten level, so it sees every matmul however it is written, and it runs on meta
tensors: no real compute, any resolution in milliseconds. fvcore (JIT trace) and ptflops
(`backend='aten'`) are cross-checks; each runs in its own subprocess so one tool's patches can
never leak into another's numbers (calflops left `torch.nn.functional` patched in peers.md §3).

Everything here is in MACs: one multiply-add is one MAC. FlopCounterMode reports FLOPs (2 per
multiply-add), so our added formulas return 2 x MACs too and the total is halved once.

Added costs (MACs; `torch.utils.flop_counter` itself counts only conv / matmul-class / SDPA):

| op (aten)                                   | MACs                         | why |
|---------------------------------------------|------------------------------|-----|
| upsample_bilinear2d (also _aa)              | 4 per output element         | 4 weighted taps; fvcore's convention |
| upsample_linear1d / upsample_trilinear3d    | 2 / 8 per output element     | 2 / 8 taps, same rule |
| upsample_bicubic2d (also _aa)               | 16 per output element        | 16 taps, same rule (fvcore: 0) |
| upsample_nearest*, _upsample_nearest_exact* | 1 per output element         | one read per output; fvcore's convention, so nearest is cheap but not free |
| grid_sampler_2d                             | 4 / 1 / 16 per output element| bilinear / nearest / bicubic taps (fvcore: 4 always) |
| _adaptive_avg_pool2d                        | 1 per input element          | every input summed once; fvcore's convention |
| avg_pool2d                                  | kernel area per output element | one add per window tap (fvcore: 0) |
| mean                                        | 1 per input element          | global average pooling written as `x.mean((2, 3))` (fvcore: 0) |
| batch norm, eval                            | 2 per element (1 without affine) | normalise, then scale-shift, unfused; fvcore's convention. Folding BN into the conv removes it |
| batch norm, train; group / layer / instance norm | 5 per element (4 without affine) | statistics + normalise + affine; fvcore's convention |

Zero by convention in all three counters: elementwise ops (add, mul, activations), softmax,
max pooling (comparisons, no multiply-add), concatenation, views and copies.
"""
from __future__ import annotations

import functools
import math
from collections import defaultdict
from typing import Any, Callable

def _numel(shape) -> int:
    return math.prod(shape) if shape is not None else 0


def _per_out(macs: float) -> Callable:
    def formula(*args, out_shape=None, **kwargs) -> int:
        return int(2 * macs * _numel(out_shape))
    return formula


def _per_in(macs: float) -> Callable:
    def formula(x_shape, *args, out_shape=None, **kwargs) -> int:
        return int(2 * macs * _numel(x_shape))
    return formula


def _grid_sampler(x_shape, grid_shape, mode=0, *args, out_shape=None, **kwargs) -> int:
    return 2 * {0: 4, 1: 1, 2: 16}.get(mode, 4) * _numel(out_shape)


def _avg_pool(x_shape, kernel, *args, out_shape=None, **kwargs) -> int:
    kernel = list(kernel) if isinstance(kernel, (list, tuple)) else [kernel]
    area = math.prod(kernel) if len(kernel) > 1 else kernel[0] ** (len(x_shape) - 2)
    return 2 * area * _numel(out_shape)


def _batch_norm(x_shape, w_shape, b_shape, mean_shape, var_shape, training=False, *args, out_shape=None,
                **kwargs) -> int:
    affine = w_shape is not None
    per = (5 if affine else 4) if training is True else (2 if affine else 1)
    return 2 * per * _numel(x_shape)


def _bn_no_training(x_shape, w_shape, *args, out_shape=None, **kwargs) -> int:
    return 2 * (2 if w_shape is not None else 1) * _numel(x_shape)


def _norm(affine_index: int) -> Callable:
    def formula(*args, out_shape=None, **kwargs) -> int:
        affine = len(args) > affine_index and args[affine_index] is not None
        return 2 * (5 if affine else 4) * _numel(args[0])
    return formula


def custom_mapping() -> dict:
    """The added formulas, keyed by aten overload packet (FlopCounterMode's `custom_mapping`)."""
    import torch

    aten = torch.ops.aten
    table: dict[str, Callable] = {
        "upsample_bilinear2d": _per_out(4), "_upsample_bilinear2d_aa": _per_out(4),
        "upsample_linear1d": _per_out(2), "upsample_trilinear3d": _per_out(8),
        "upsample_bicubic2d": _per_out(16), "_upsample_bicubic2d_aa": _per_out(16),
        "upsample_nearest1d": _per_out(1), "upsample_nearest2d": _per_out(1), "upsample_nearest3d": _per_out(1),
        "_upsample_nearest_exact1d": _per_out(1), "_upsample_nearest_exact2d": _per_out(1),
        "_upsample_nearest_exact3d": _per_out(1),
        "grid_sampler_2d": _grid_sampler,
        "_adaptive_avg_pool2d": _per_in(1), "_adaptive_avg_pool3d": _per_in(1),
        "avg_pool2d": _avg_pool, "avg_pool3d": _avg_pool, "mean": _per_in(1),
        "native_batch_norm": _batch_norm, "_native_batch_norm_legit": _batch_norm,
        "cudnn_batch_norm": _batch_norm, "miopen_batch_norm": _batch_norm,
        "_native_batch_norm_legit_no_training": _bn_no_training,
        "native_group_norm": _norm(1), "native_layer_norm": _norm(2),
    }
    mapping: dict = {}
    for name, f in table.items():
        packet = getattr(aten, name, None)
        if packet is None:
            continue
        mapping[packet] = f
        # FlopCounterMode decomposes any op *overload* missing from its registry before counting
        # (upsample_nearest2d becomes _unsafe_index and counts 0): list the overloads too.
        for overload in packet.overloads():
            mapping[getattr(packet, overload)] = f
    return mapping


@functools.lru_cache(maxsize=None)
def is_zero_by_convention(op_name: str) -> bool:
    """True for ops that every counter here treats as free: elementwise, views, copies, max, cat.

    `op_name` may be a dispatch name (`aten.add`) or a JIT name (`aten::add`).
    """
    import torch

    base = op_name.replace("aten::", "").replace("aten.", "").split(".")[0]
    if base in _ZERO_NAMES or base.rstrip("_") in _ZERO_NAMES:
        return True
    packet = getattr(torch.ops.aten, base.rstrip("_"), None) or getattr(torch.ops.aten, base, None)
    if packet is None:
        return False
    for overload in packet.overloads():  # `add.default` is the int overload: look at them all
        op = getattr(packet, overload)
        if torch.Tag.pointwise in op.tags or op.is_view:
            return True
    return False


_ZERO_NAMES = frozenset("""
    softmax _softmax log_softmax _log_softmax max_pool2d max_pool2d_with_indices max_pool3d_with_indices
    adaptive_max_pool2d cat stack copy clone contiguous empty empty_like zeros zeros_like ones ones_like
    full full_like new_empty new_zeros new_ones new_full fill constant_pad_nd pad reflection_pad2d
    replication_pad2d split split_with_sizes unbind chunk flatten reshape view _unsafe_view size
    sum amax amin max min argmax argmin dropout feature_dropout native_dropout detach lift_fresh
    _to_copy to type_as alias index index_select gather scatter repeat roll flip diag diagonal
    masked_fill where tril triu arange hardswish hardsigmoid silu gelu mish elu relu_ hardtanh_ leaky_relu_ scalar_tensor ListConstruct TupleConstruct
    linalg_vector_norm norm frobenius_norm
""".split())


def count_primary(net, *xs) -> dict[str, Any]:
    """Primary MACs of one eval forward `net(*xs)` (meta tensors welcome), per node.

    Returns {"total", "per_node": {node: macs}, "wrapper": macs outside the nodes (the final
    resize), "ops": {node: {op: macs}}, "uncounted": {node: [ops with work but no formula]},
    "out_shapes": {node: [shapes]}, "temp_bytes": {node: largest tensor made inside it},
    "output_shape": the network output's shape}.
    """
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import FlopCounterMode

    mapping = custom_mapping()
    known = {k for k in mapping if isinstance(k, torch._ops.OpOverloadPacket)} | set(
        torch.utils.flop_counter.flop_registry)
    current: list[str] = ["(wrapper)"]
    uncounted: dict[str, set[str]] = defaultdict(set)
    temp_bytes: dict[str, int] = defaultdict(int)
    out_shapes: dict[str, list] = {}
    # Eval batch norm's outputs have the input's shape; its meta kernel takes ~40 % of a meta pass.
    fast_meta = {torch.ops.aten._native_batch_norm_legit_no_training.default}

    class _Recorder(TorchDispatchMode):
        """Sees every aten op, with the node running it: what no formula covers, the largest temporary."""

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func in fast_meta and args[0].is_meta:  # the meta kernel is a slow Python decomposition
                x = args[0]
                out = (torch.empty_like(x), x.new_empty((0,)), x.new_empty((0,)))
            else:
                out = func(*args, **(kwargs or {}))
            node = current[-1]
            if func._overloadpacket not in known and not is_zero_by_convention(str(func._overloadpacket)):
                uncounted[node].add(str(func._overloadpacket))
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and not func.is_view:
                    temp_bytes[node] = max(temp_bytes[node], t.numel() * t.element_size())
            return out

    handles = []
    for name, mod in net.nodes.items():
        handles.append(mod.register_forward_pre_hook(lambda m, a, n=name: current.append(n)))

        def _post(m, a, out, n=name):
            current.pop()
            outs = out if isinstance(out, (tuple, list)) else (out,)
            out_shapes[n] = [tuple(t.shape) for t in outs if isinstance(t, torch.Tensor)]
        handles.append(mod.register_forward_hook(_post))
    fcm = FlopCounterMode(display=False, custom_mapping=mapping)
    try:  # the recorder is entered first, so FlopCounterMode sees each op before it does
        with torch.no_grad(), _Recorder(), fcm:
            result = net(*xs)
    finally:
        for h in handles:
            h.remove()
    counts = fcm.get_flop_counts()
    root = type(net).__name__
    per_node, ops = {}, {}
    for name in out_shapes:
        by_op = counts.get(f"{root}.nodes.{name}", {})
        ops[name] = {str(k): v // 2 for k, v in by_op.items()}
        per_node[name] = sum(ops[name].values())
    total = sum(v for v in counts.get("Global", {}).values()) // 2
    return {"total": total, "per_node": per_node, "wrapper": total - sum(per_node.values()), "ops": ops,
            "uncounted": {k: sorted(v) for k, v in uncounted.items()},
            "out_shapes": out_shapes, "temp_bytes": dict(temp_bytes),
            "output_shape": list(result.shape) if isinstance(result, torch.Tensor) else None}
