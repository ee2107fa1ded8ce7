"""The swap matrix: which one-block hybrids of the published networks exist.

For every network and every block of the swappable roles, try `net[role=block]`: it either builds
and runs (on meta tensors here, so the whole matrix costs no compute) or the DSL rejects it with a
reason ("n/a": no such slot, arity, unsupported factor). tests/studies/test_matrix.py runs every
"ok" cell for real, forward and backward.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

from arena.networks import EVERY_FAMILY

MATRIX_ROLES = ("attention", "upsampler", "pyramid", "downsampler", "fusion")


@dataclass(frozen=True)
class Cell:
    """One `net[role=block]` hybrid: whether it builds and runs, and why not."""

    net: str
    swap: str  # "role=block"
    ok: bool
    reason: str  # why not applicable; empty when ok


def try_swap(net: str, role: str, block: str, res: tuple[int, int] = (64, 128)) -> Cell:
    """Build `net[role=block]` on meta tensors and run a forward pass there."""
    import torch

    from arena.api import build
    from arena.dsl.errors import DSLError

    swap = f"{role}={block}"
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. affine_grid's notice on tiny grids: not the user's concern
            model = build(net, [swap]).eval()
            model(torch.empty(2, 3, *res))
    except DSLError as e:
        return Cell(net, swap, False, str(e))
    return Cell(net, swap, True, "")


def swap_matrix(nets: list[str] | None = None, roles: tuple[str, ...] = MATRIX_ROLES,
                on_step: Callable[[int, int], None] | None = None) -> list[Cell]:
    """Every (network, role=block) cell; `on_step(done, total)` reports progress (the CLI's bar)."""
    from arena.api import resolve
    from blocks.registry import names

    nets = list(nets or EVERY_FAMILY)
    for net in nets:
        resolve(net)  # an unknown name fails here, before any cell, with close matches
    todo = [(net, role, block) for net in nets for role in roles for block in names(role)]
    cells = []
    for i, (net, role, block) in enumerate(todo):
        cells.append(try_swap(net, role, block))
        if on_step:
            on_step(i + 1, len(todo))
    return cells
