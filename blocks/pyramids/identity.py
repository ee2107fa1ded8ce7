"""The empty context slot: `--swap pyramid=none` measures what a network's context module buys.

Not from a paper. It is the identity, except that it honours the pyramid role's `out`: when `out`
differs from the input width a 1x1 conv-BN-ReLU projection keeps the slot's output width, so the
nodes downstream still fit (that projection is the cheapest thing that does).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


@register(Role.PYRAMID, "none")
class NoPyramid(nn.Module):
    """Identity (or a 1x1 conv-BN-ReLU to `out` channels when out != the input's channels)."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None):
        super().__init__()
        out = out or x.channels
        self.project = ConvBNAct(x.channels, out, 1) if out != x.channels else nn.Identity()
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        return self.project(x)
