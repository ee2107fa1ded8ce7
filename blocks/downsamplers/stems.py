"""The ResNet stem: 7x7 s2 conv -> BN -> act -> 3x3 s2 max-pool.

Deep Residual Learning for Image Recognition, He et al., CVPR 2016, arXiv:1512.03385.
Variations used by the arena networks (defaults = torchvision):
- `act="leaky"`: FANet's official code (arXiv:2007.03815) puts LeakyReLU(0.01) after the stem BN.
- `factor=2` drops the max-pool: S2-FPN's 34M variant feeds the stride-2 conv output to layer1
  (specs/s2fpn.md §2; the official code still computes the pool and discards it, which costs
  no parameters and which fvcore does not count).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "resnet_stem", paper="Deep Residual Learning for Image Recognition (arXiv:1512.03385)")
class ResNetStem(nn.Module):
    """7x7 s2 conv-BN-act, then (factor 4) a 3x3 s2 max-pool."""

    def __init__(self, x: FeatureSpec, *, factor: int = 4, out: int = 64, act: str = "relu"):
        super().__init__()
        if factor not in (2, 4):
            raise BlockError(f"resnet_stem supports factor 4 (conv + max-pool) or 2 (conv only), got {factor}")
        self.conv = ConvBNAct(x.channels, out, 7, 2, act=act)
        self.pool = nn.MaxPool2d(3, 2, 1) if factor == 4 else nn.Identity()
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.pool(self.conv(x))
