"""Coarse Feature Generator Block (CFGB). S²-FPN: Scale-ware Strip Attention Guided Feature Pyramid
Network for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

v1 code `cfgb` (specs/s2fpn.md §2.1 row 7): depthwise 3x3 stride-2 conv -> BN -> ReLU ->
element-wise Dropout(0.15), making the stride-64 (34M: stride-32) top of the APF pyramid.
Same as the official code. Only factor 2 exists; `out` may be a multiple of the input channels
(depthwise with a channel multiplier), since the conv has one group per input channel.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "cfgb", paper="S2-FPN (arXiv:2206.07298)")
class CoarseFeatureGenerator(nn.Module):
    """Depthwise 3x3 s2 conv-BN-ReLU, then dropout."""

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int | None = None, dropout: float = 0.15):
        super().__init__()
        if factor != 2:
            raise BlockError(f"cfgb only downsamples by factor 2, got {factor}")
        out = out or x.channels
        if out % x.channels:
            raise BlockError(f"cfgb is depthwise: out ({out}) must be a multiple of its input channels ({x.channels})")
        self.body = nn.Sequential(ConvBNAct(x.channels, out, 3, 2, groups=x.channels),
                                  nn.Dropout(dropout))
        self.out_specs = (FeatureSpec(out, x.stride * 2),)

    def forward(self, x):
        return self.body(x)
