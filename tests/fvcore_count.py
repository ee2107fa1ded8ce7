"""fvcore figures for tests, through the library's one quiet-fvcore helper."""
import torch

import arena
from arena.measure.counters import fvcore_analysis  # noqa: F401  (re-exported for the test files)


def fvcore_total(spec: str, h: int, w: int, **overrides) -> int:
    """fvcore's total MACs of a network at 1x3xHxW, as specs/*.md measured the official code."""
    return fvcore_analysis(arena.build(spec, **overrides), torch.randn(1, 3, h, w)).total()
