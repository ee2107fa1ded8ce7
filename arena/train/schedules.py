"""Training schedules are data: each a frozen record, rescaled (never truncated) to another length.

`smoke` runs in seconds on a CPU (tests), `demo` is what `arena demo` trains on a laptop CPU,
`short` is the ablation budget (minutes on one GPU), `paper` is each family's published recipe as
far as the papers and official code state it (docs/networks.md gives the source of every value and
says which are assumptions). A shorter run is the same schedule rescaled: warm-up and poly decay
are fractions of its own length, so `--iters 100` is a complete short schedule, not the first 100
iterations of a long one.
"""
from __future__ import annotations

from arena import families
from arena.errors import ArenaError
from arena.schedule import Schedule


SCHEDULES: dict[str, Schedule] = {s.name: s for s in (
    Schedule("smoke", iters=12, batch=2, crop=(64, 128), lr=0.02, warmup=0.1, log_every=2, val_images=4,
             source="arena: seconds on a CPU, for tests"),
    Schedule("demo", iters=240, batch=4, crop=(128, 256), lr=0.05, weight_decay=1e-4, warmup=0.05,
             eval_every=0, ckpt_every=120, log_every=20, val_images=200,
             source="arena: what `arena demo` trains on a laptop CPU (about a minute per small network)"),
    Schedule("short", iters=4000, batch=8, crop=(512, 1024), lr=0.02, weight_decay=1e-4, warmup=0.03,
             eval_every=1000, ckpt_every=1000, log_every=50, val_images=500,
             source="arena: the ablation budget, minutes on one GPU"),
)}

# The published recipes: each family module's PAPER (docs/networks.md, per family), as far as they are known.
PAPER: dict[str, Schedule] = {name: module.PAPER for name, module in families.modules().items()}


def schedule_for(name: str, family: str | None) -> Schedule:
    """A schedule by name; `paper` needs the network's published family."""
    if name == "paper":
        if family not in PAPER:
            raise ArenaError("--schedule paper needs a published network (its recipe is per family): "
                             f"choose from {', '.join(SCHEDULES)} for this one")
        return PAPER[family]
    if name not in SCHEDULES:
        raise ArenaError(f"unknown schedule {name!r}: choose from {', '.join([*SCHEDULES, 'paper'])}")
    return SCHEDULES[name]
