"""The swap matrix: which one-block hybrids of the published networks exist.

For every network and every block of the swappable roles, try `net[role=block]`: it either builds
and runs (on meta tensors here, so the whole matrix costs no compute) or the DSL rejects it with a
reason ("n/a": no such slot, arity, unsupported factor). tests/test_swap_matrix.py runs every
"ok" cell for real, forward and backward.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

MATRIX_ROLES = ("attention", "upsampler", "pyramid", "downsampler", "fusion")
FAMILIES = ("fanet18", "fast_scnn", "s2fpn18", "sgcpnet", "gain18")  # one variant per published network


@dataclass(frozen=True)
class Cell:
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
            model = build(f"{net}[{swap}]").eval()
            model(torch.empty(2, 3, *res))
    except DSLError as e:
        return Cell(net, swap, False, str(e))
    return Cell(net, swap, True, "")


def swap_matrix(nets: list[str] | None = None, roles: tuple[str, ...] = MATRIX_ROLES) -> list[Cell]:
    """Every (network, role=block) cell."""
    from blocks.registry import names

    return [try_swap(net, role, block) for net in (nets or list(FAMILIES))
            for role in roles for block in names(role)]
