"""The empty attention slot: `--swap attention=none` measures what a network's attention buys.

Not from a paper. It returns its input unchanged and has no parameters, so the swapped network's
cost difference is exactly the removed attention's cost.
"""
from __future__ import annotations

from torch import nn

from blocks.registry import FeatureSpec, Role, register


@register(Role.ATTENTION, "none")
class NoAttention(nn.Module):
    """Identity: the input feature, unchanged (no parameters)."""

    def __init__(self, x: FeatureSpec):
        super().__init__()
        self.out_specs = (FeatureSpec(x.channels, x.stride),)

    def forward(self, x):
        return x
