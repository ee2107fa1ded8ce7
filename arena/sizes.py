"""The input sizes a built network runs at: a property of the graph, found by running it on meta tensors.

`GraphNet.check_resolution(h, w)` calls this; profile, bench, export, train and the study preflight
all ask the network, not the measuring code. A network already on the meta device and in eval mode
is run as it is; any other gets a meta twin built from its resolved spec (no weights, no memory).
"""
from __future__ import annotations

from arena.errors import ArenaError


class ResolutionError(ArenaError):
    """A size a block of the network cannot run at (named with the multiple it needs)."""


def _is_meta_eval(net) -> bool:
    """True when running `net` itself on meta tensors changes nothing and needs no memory."""
    return not net.training and all(p.is_meta for p in net.parameters()) and all(b.is_meta for b in net.buffers())


def check_resolution(net, height: int, width: int) -> None:
    """Refuse a size only where a block genuinely cannot run, found by running the network there.

    Every node (auxiliary heads included) runs once on meta tensors: no memory, no compute. The
    official codes interpolate deep features to their skip's size, so any size runs through the
    shipped networks; a block with a real size need (`space_to_depth(pad=False)`: a multiple of its
    factor) is named with the multiple it runs at, found by trying. A node that fails at every size
    is a bug, not a size: its exception propagates as it was.
    """
    resolved = getattr(net, "resolved", None)
    if resolved is None:  # not a GraphNet: nothing to name
        return
    twin = net if _is_meta_eval(net) else type(net).from_resolved(resolved, device="meta").eval()
    failed = _first_failure(twin, height, width)
    if failed is None:
        return
    node, shape, error = failed
    for m in (2, 4, 8, 16, 32, 64, 128, 256, 512):
        h, w = max(m, round(height / m) * m), max(m, round(width / m) * m)
        odd = ((round(height / m) | 1) * m, (round(width / m) | 1) * m)  # no multiple of 2m passes by chance
        if _first_failure(twin, h, w) is None and _first_failure(twin, *odd) is None:
            raise ResolutionError(f"{net.canonical} cannot run at {height}x{width}: node {node.name} "
                                  f"({node.role.value}.{node.block}) fails on its {shape} input; it needs sizes "
                                  f"that are multiples of {m} on both sides: use e.g. {h}x{w}")
    raise error


def _first_failure(net, height: int, width: int):
    """(node, its input's HxW, exception) of the first node that cannot run at this size, or None."""
    import torch

    from arena.dsl.ir import INPUT_NAME

    env = {INPUT_NAME: torch.empty(1, 3, height, width, device="meta")}
    with torch.no_grad():
        for node in net.plan:
            inputs = [env[i] for i in node.inputs]
            try:
                out = net.nodes[node.name](*inputs)
            except Exception as e:  # noqa: BLE001 - classified by the caller (size need or bug)
                return node, "x".join(str(d) for d in inputs[0].shape[-2:]), e
            if node.aux is None:
                env.update(zip(node.outputs, out if len(node.outputs) > 1 else (out,)))
    return None
