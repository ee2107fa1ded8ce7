"""Memory of the attention maps: what position and criss-cross attention hold, found before anything runs.

Why its own check: PAM's n x n map (n = pixels at the block's stride) grows with the square of the
pixel count, criss-cross attention's n x (H + W) map with its 1.5th power, so a job that fits at
512x1024 can need tens of GiB at 1024x2048, while the activation estimate of `arena profile` sums
node outputs (linear in pixels). Each node that holds an attention block (an attention node, or a
block given an attention block as an argument) runs alone on meta tensors at its input's shape; the
largest tensor it makes is its map. Inference holds one map at a time; training keeps each map for
the backward pass (the softmax output) and makes a gradient of the same size, so its need is
batch x (sum of the maps + the largest one).
"""
from __future__ import annotations

from arena.measure.profile import ProfileError, _fmt_bytes, total_ram


def _holds_attention(module) -> bool:
    from blocks.registry import Role

    return any(getattr(m, "role", None) is Role.ATTENTION for m in module.modules())


def attention_maps(net, height: int, width: int) -> list[tuple[str, str, int]]:
    """(node, role.block, bytes of the largest tensor it makes) per node holding attention, for one image."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    largest = [0]

    class _Largest(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and not func.is_view:
                    largest[0] = max(largest[0], t.numel() * t.element_size())
            return out

    maps = []
    for node in net.plan:
        module = net.nodes[node.name]
        if not _holds_attention(module):
            continue
        specs = [net.specs[i] for i in node.inputs]
        xs = [torch.empty(1, s.channels, -(-height // s.stride), -(-width // s.stride), device="meta") for s in specs]
        largest[0] = 0
        try:
            with torch.no_grad(), _Largest():
                module.eval()(*xs)
        except Exception:  # noqa: BLE001 - a size the node cannot run at is check_resolution's to name
            continue
        maps.append((node.name, f"{node.role.value}.{node.block}", largest[0]))
    return maps


def attention_need(maps: list[tuple[str, str, int]], batch: int, training: bool) -> int:
    """Bytes the attention maps need at once (module docstring for the rule)."""
    sizes = [b for _, _, b in maps] or [0]
    return batch * (sum(sizes) + max(sizes)) if training else batch * max(sizes)


def check_attention_memory(net, height: int, width: int, batch: int = 1, training: bool = False,
                           limit: int | None = None) -> None:
    """Refuse, in one line with a resolution that fits, a size whose attention maps exceed `limit` (RAM)."""
    from arena.api import build

    limit = total_ram() if limit is None else limit
    first = next(net.parameters(), None)
    on_meta_in_eval = not net.training and first is not None and first.is_meta  # a study's shared meta network
    twin = net if on_meta_in_eval else build(net.resolved.canonical, device="meta")   # never a user's weights
    maps = attention_maps(twin, height, width)
    need = attention_need(maps, batch, training)
    if need <= limit:
        return
    node, block, biggest = max(maps, key=lambda m: m[2])
    h, w = height, width
    for _ in range(12):  # shrink by the quadratic rule, then confirm by counting again
        scale = max(0.5, min(0.95, (limit / need) ** 0.25))
        h, w = max(32, int(h * scale) // 32 * 32), max(32, int(w * scale) // 32 * 32)
        need_then = attention_need(attention_maps(twin, h, w), batch, training)
        if need_then <= limit or (h, w) == (32, 32):
            break
        need = need_then
    what = f"training at batch {batch}" if training else f"inference at batch {batch}"
    raise ProfileError(f"{net.canonical} at {height}x{width}: the attention maps need about "
                       f"{_fmt_bytes(attention_need(maps, batch, training))} for {what} (node {node}, {block}: "
                       f"{_fmt_bytes(biggest)} per image), more than the {_fmt_bytes(limit)} of RAM: use "
                       f"{h}x{w} or smaller, or a block linear in pixels")

