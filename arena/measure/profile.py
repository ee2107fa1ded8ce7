"""Cost accounting for `arena profile`: parameters, MACs (three counters), activation memory, per node.

The primary MAC figure comes from `arena.measure.counters.count_primary` (FlopCounterMode plus documented
costs for interpolation, pooling and normalisation) on meta tensors: no memory, no compute. fvcore
and ptflops (`backend='aten'`) are optional cross-checks, each in its own process, shown beside it;
a node where one disagrees with the primary by more than 2 % is flagged, with the ops it missed.

Activation memory is an estimate of the inference pass: values live from the node that makes
them to their last consumer (the rule `GraphNet.forward` follows), plus the largest temporary
made inside the running node. It excludes weights, allocator caching and backend workspace.
Units: MACs (one multiply-add = 1); GFLOPs = 2 x GMACs where shown.
"""
from __future__ import annotations

import os
from typing import Any

from arena.dsl.ir import INPUT_NAME, ROLES
from arena.errors import ArenaError
from arena.sizes import ResolutionError

DISAGREEMENT = 0.02  # relative difference per node above which a cross-check is flagged
CROSS_CHECKS = ("fvcore", "ptflops")
WRAPPER = "(wrapper)"  # the final resize of the logits, outside every node
ROLE_ORDER = ("downsampler", "backbone", *(r for r in ROLES if r not in ("downsampler", "backbone")), "wrapper")


class ProfileError(ArenaError):
    """A profile that cannot be run as asked (resolution, memory)."""


def check_classes(classes: int | None) -> None:
    """A class count is 1 or more (None: the network's own)."""
    if classes is not None and (isinstance(classes, bool) or not isinstance(classes, int) or classes < 1):
        raise ProfileError(f"classes must be an integer >= 1, got {classes!r}")


def check_max_bytes(max_bytes: int | None) -> None:
    if max_bytes is not None and max_bytes <= 0:
        raise ProfileError(f"the memory limit must be positive, got {max_bytes / 2**30:g} GiB")


def total_ram() -> int:
    """Physical memory of this machine in bytes (the default ceiling for an activation estimate)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


def _value_bytes(net, height: int, width: int, batch: int, shapes: dict[str, tuple] | None = None) -> dict[str, int]:
    """Bytes of every value (fp32): measured shapes when known, else from the spec (channels, stride)."""
    out = {"image": batch * 3 * height * width * 4}
    for name, spec in net.specs.items():
        if shapes and name in shapes:
            numel = 1
            for d in shapes[name]:
                numel *= d
            out[name] = numel * 4
        elif name != "image":
            out[name] = batch * spec.channels * -(-height // spec.stride) * -(-width // spec.stride) * 4
    return out


def activation_peak(net, height: int, width: int, batch: int = 1, shapes: dict[str, tuple] | None = None,
                    temps: dict[str, int] | None = None) -> int:
    """Peak activation bytes of the inference pass by liveness over the nodes eval mode runs.

    Values live from the node that makes them to their last consumer: the rule GraphNet follows.
    """
    size = _value_bytes(net, height, width, batch, shapes)
    live = {"image": size["image"]}
    peak = size["image"]
    for node, dead in net._eval_steps:
        outs = {v: size.get(v, 0) for v in node.outputs}
        peak = max(peak, sum(live.values()) + sum(outs.values()) + (temps or {}).get(node.name, 0))
        live.update(outs)
        for v in dead:
            live.pop(v, None)
    logits = batch * net.classes * height * width * 4  # the wrapper's resize to the input size
    return max(peak, sum(live.values()) + logits)


def _fmt_bytes(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def check_memory(net, height: int, width: int, estimate: int, max_bytes: int | None) -> None:
    limit = total_ram() if max_bytes is None else max_bytes
    if estimate > limit:
        raise ProfileError(f"{net.canonical} at {height}x{width} needs an estimated {_fmt_bytes(estimate)} of "
                           f"activations, more than the {_fmt_bytes(limit)} allowed (this machine's RAM unless "
                           f"--max-memory is given): use a smaller resolution or raise --max-memory")


def profile(spec: str, res: tuple[int, int] = (512, 1024), *, classes: int | None = None, swaps=None,
            cross_check: bool = False, max_bytes: int | None = None, batch: int = 1) -> dict[str, Any]:
    """Profile one network at one resolution. Returns plain data (fields: README, Profiling)."""
    import torch

    from arena.api import build
    from arena.measure import counters, cross_checks

    check_classes(classes)
    check_max_bytes(max_bytes)
    height, width = res
    net = build(spec, swaps, device="meta", **({"classes": classes} if classes is not None else {})).eval()
    try:
        net.check_resolution(height, width)
    except ResolutionError as e:
        raise ProfileError(str(e)) from None
    check_memory(net, height, width, activation_peak(net, height, width, batch), max_bytes)  # up front
    x = torch.empty(batch, 3, height, width, device="meta")
    prim = counters.count_primary(net, x)
    out_shape = prim["output_shape"]
    shapes = {v: s for n in net.plan if n.name in prim["out_shapes"]
              for v, s in zip(n.outputs, prim["out_shapes"][n.name])}
    peak = activation_peak(net, height, width, batch, shapes, prim["temp_bytes"])
    checks: dict[str, dict[str, Any]] = {}
    if cross_check:
        weights = 4 * (sum(p.numel() for p in net.parameters()) + sum(b.numel() for b in net.buffers()))
        check_memory(net, height, width, peak + weights, max_bytes)  # cross-checks run real compute, real weights
        for name in CROSS_CHECKS:
            checks[name] = cross_checks.count_isolated(name, net.canonical, height, width)  # canonical holds classes
    shapes[INPUT_NAME] = tuple(x.shape)
    return _assemble(net, (height, width), batch, prim, checks, peak, out_shape, shapes)


def _assemble(net, res, batch, prim, checks, peak, out_shape, values) -> dict[str, Any]:
    """Per-node rows, the wrapper row, role totals and flags from the counters' raw outputs
    (`values`: each value's shape, by name, the image included: a node's input bytes)."""
    params = net.param_counts()
    nodes = []
    for node in net.plan:
        ran = node.name in prim["out_shapes"]
        shapes = prim["out_shapes"].get(node.name, [])
        row = {"node": node.name, "role": node.role.value, "block": node.block, "aux": node.aux,
               "params": params["per_node"][node.name], "macs": prim["per_node"].get(node.name) if ran else None,
               "in_bytes": sum(4 * _prod(values[v]) for v in node.inputs if v in values) if ran else 0,
               "out_shapes": shapes, "out_bytes": sum(4 * _prod(s) for s in shapes),
               "temp_bytes": prim["temp_bytes"].get(node.name, 0), "ops": prim["ops"].get(node.name, {}),
               "missed": {"primary": prim["uncounted"].get(node.name, [])} if ran else {}}
        nodes.append(row)
    nodes.append({"node": WRAPPER, "role": "wrapper", "block": "resize", "aux": None, "params": 0,
                  "macs": prim["wrapper"], "in_bytes": 4 * _prod(values[net.output]), "out_shapes": [out_shape],
                  "out_bytes": 4 * _prod(out_shape),
                  "temp_bytes": 0, "ops": {}, "missed": {"primary": prim["uncounted"].get(WRAPPER, [])}})
    from arena.measure.counters import is_zero_by_convention

    flags = []
    for counter, result in checks.items():
        if "error" in result:
            continue
        for row in nodes:
            if row["macs"] is None:
                continue
            theirs = result["wrapper"] if row["node"] == WRAPPER else result["per_node"].get(row["node"], 0)
            row[f"macs_{counter}"] = theirs
            missed = result["missed_wrapper"] if row["node"] == WRAPPER else result["missed"].get(row["node"], [])
            row["missed"][counter] = sorted({m for m in missed if not is_zero_by_convention(m)})
            if abs(theirs - row["macs"]) > DISAGREEMENT * max(row["macs"], 1):
                flags.append(f"{row['node']}: {counter} {theirs / 1e9:.4f} vs primary {row['macs'] / 1e9:.4f} "
                             f"GMACs" + (f" (it missed {', '.join(row['missed'][counter])})"
                                         if row["missed"][counter] else ""))
                row.setdefault("flags", []).append(counter)
    by_role: dict[str, dict[str, int]] = {}
    for row in nodes:
        if row["aux"] is None:
            agg = by_role.setdefault(row["role"], {"params": 0, "macs": 0, "nodes": 0})
            agg["params"] += row["params"]
            agg["macs"] += row["macs"] or 0
            agg["nodes"] += 1
    by_role = {r: by_role[r] for r in sorted(by_role, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)}
    return {"spec": net.canonical, "network": net.resolved.base, "identity": net.resolved.row_fields(),
            "final_align_corners": net.final_align_corners, "res": list(res), "batch": batch, "classes": net.classes,
            "output_stride": net.output_stride, "params_total": params["total"],
            "params_inference": params["inference"], "macs": prim["total"], "gmacs": prim["total"] / 1e9,
            "gflops": 2 * prim["total"] / 1e9,
            **{f"macs_{c}": r.get("total") for c, r in checks.items()},
            **{f"error_{c}": r["error"] for c, r in checks.items() if "error" in r},
            "peak_activation_bytes": peak, "output_shape": out_shape, "by_role": by_role,
            "nodes": nodes, "flags": flags}


def _prod(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def to_row(p: dict[str, Any]) -> dict[str, Any]:
    """A results row (kind "profile") for one profile."""
    from arena import results

    metrics = {k: v for k, v in p.items() if k not in ("spec", "network", "identity", "res", "batch", "nodes")}
    metrics["nodes"] = [{k: v for k, v in n.items() if k != "ops"} for n in p["nodes"]]
    protocol = {"res": p["res"], "batch": p["batch"], "dtype": "float32", "mode": "eval",
                "primary": "torch.utils.flop_counter.FlopCounterMode + arena.measure.counters (meta tensors)",
                "units": "MACs (one multiply-add = 1); GFLOPs = 2 x GMACs"}
    return results.make_row("profile", p["identity"], metrics, protocol=protocol)
