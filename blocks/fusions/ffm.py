"""Feature Fusion Module. Fast-SCNN (arXiv:1902.04502) Table 3, as specs/fast_scnn.md §2.3d.

The upsampling of the low-resolution branch is a separate upsampler node in arena, so this block
receives both inputs at the skip's stride. Paper: depthwise 3x3 with dilation 4 on the upsampled
branch (`dilation=1` gives Tramac/mmseg 1.x); 1x1 + BN with no activation on each branch; add; ReLU.
Tramac's 1x1 convs carry a bias (`bias=True`, +256 parameters).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register
from blocks.fusions._common import same_stride


@register(Role.FUSION, "ffm", paper="Fast-SCNN (arXiv:1902.04502)")
class FeatureFusion(nn.Module):
    """Dilated depthwise conv on the upsampled deep branch, 1x1 on both, sum, ReLU."""

    def __init__(self, deep: FeatureSpec, skip: FeatureSpec, *, out: int = 128, dilation: int = 4,
                 bias: bool = False):
        super().__init__()
        stride = same_stride((deep, skip), "ffm")
        self.deep = nn.Sequential(
            ConvBNAct(deep.channels, deep.channels, 3, dilation=dilation, groups=deep.channels),
            ConvBNAct(deep.channels, out, 1, act=None, bias=bias),
        )
        self.skip = ConvBNAct(skip.channels, out, 1, act=None, bias=bias)
        self.act = nn.ReLU(inplace=True)
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, deep, skip):
        return self.act(self.deep(deep) + self.skip(skip))
