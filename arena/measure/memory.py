"""What a job needs in memory, estimated on a meta build before anything is allocated.

The estimate that matters is the one made first: `fast_scnn[classes=100000000]` at 1x1 has tiny
activations and 12 GB of weights, and building it for real is what the kernel kills. So every
command that builds a network for real (bench, train, a study's jobs) first builds it on the meta
device, where it costs no storage, and adds up:

- weights: every parameter and buffer (fp32, 4 bytes each);
- training: the gradients (one per parameter) and the optimiser's state (SGD momentum: one more; AdamW: two),
  and the activations kept for the backward pass (every value of the graph at once, not the
  inference peak: a lower bound, the blocks' own saved tensors come on top);
- inference: the activation peak by liveness (arena.measure.profile.activation_peak).

The ceiling is this machine's RAM (`total_ram`) unless the command gives `--max-memory`.
"""
from __future__ import annotations

from typing import Any

from arena.errors import ArenaError

OPTIMISER_STATES = {"sgd": 1, "adamw": 2}  # buffers per parameter: SGD's momentum; AdamW's two moments


class TooBig(ArenaError):
    """A job whose estimated memory exceeds the ceiling; refused before allocating."""


def fmt_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 2**10:.1f} KiB"


def weight_count(net) -> int:
    """Parameters and buffers (works on a meta build: numel needs no storage)."""
    return sum(p.numel() for p in net.parameters()) + sum(b.numel() for b in net.buffers())


def needed(net, height: int, width: int, batch: int = 1, training: bool = False,
           optimiser: str = "sgd") -> dict[str, int]:
    """Bytes by part ({"weights", "gradients", "optimiser", "activations", "total"}) of one step of `net`."""
    from arena.measure.profile import _value_bytes, activation_peak

    weights = weight_count(net) * 4
    params = sum(p.numel() for p in net.parameters()) * 4
    if training:
        activations = sum(_value_bytes(net, height, width, batch).values()) + batch * net.classes * height * width * 4
    else:
        activations = activation_peak(net, height, width, batch)
    parts = {"weights": weights, "gradients": params if training else 0,
             "optimiser": params * OPTIMISER_STATES[optimiser] if training else 0, "activations": activations}
    return {**parts, "total": sum(parts.values())}


def check(net, height: int, width: int, batch: int = 1, training: bool = False,
          max_bytes: int | None = None, optimiser: str = "sgd") -> dict[str, int]:
    """`needed(...)`, or `TooBig` in one line naming the parts when the total exceeds the ceiling."""
    from arena.measure.profile import total_ram

    parts = needed(net, height, width, batch, training, optimiser)
    limit = total_ram() if max_bytes is None else max_bytes
    if parts["total"] > limit:
        shown = ", ".join(f"{k} {fmt_bytes(v)}" for k, v in parts.items() if k != "total" and v)
        job = f"training {net.canonical} at batch {batch}" if training else f"{net.canonical} at batch {batch}"
        raise TooBig(f"{job}, {height}x{width}, needs an estimated {fmt_bytes(parts['total'])} ({shown}), more than "
                     f"the {fmt_bytes(limit)} allowed ("
                     + ("this machine's RAM" if max_bytes is None else "--max-memory")
                     + "): use a smaller size, batch or network")
    return parts


def check_spec(spec: str, swaps: Any, height: int, width: int, batch: int = 1, training: bool = False,
               max_bytes: int | None = None) -> dict[str, int]:
    """`check` on a meta build of `spec` (nothing allocated), before the caller builds it for real."""
    from arena.api import build

    net = build(spec, list(swaps) if swaps else None, device="meta")
    return check(net, height, width, batch, training, max_bytes)
