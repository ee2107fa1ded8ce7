"""Average-pooling downsampler: AvgPool(factor, stride factor), plus a 1x1 conv-BN-ReLU when `out`
differs from the input's channels.

Not from one paper: the parameter-free baseline for `--swap downsampler=avgpool` (the same role as
the pooling shortcut of ResNet-D, Bag of Tricks, He et al., arXiv:1812.01187). `ceil_mode=True`
keeps the ceil(H / factor) size of a padded strided conv at odd sizes; the 1x1 projection runs
after the pooling, at the low resolution.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "avgpool", paper="Bag of Tricks (arXiv:1812.01187)")
class AvgPoolDown(nn.Module):
    """Non-overlapping average pooling by `factor` (then 1x1 conv-BN-ReLU to `out` if needed)."""

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int | None = None):
        super().__init__()
        if factor < 1:
            raise BlockError(f"avgpool needs a factor >= 1, got {factor}")
        out = out or x.channels
        self.pool = nn.AvgPool2d(factor, factor, ceil_mode=True) if factor > 1 else nn.Identity()
        self.project = ConvBNAct(x.channels, out, 1) if out != x.channels else nn.Identity()
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.project(self.pool(x))
