"""Strided convolution stem: k x k conv with stride = factor, BN, activation.

The stem of MobileNetV3 as SGCPNet uses it (Real-Time Semantic Segmentation via Spatial-Detail
Guided Context Propagation, arXiv:2005.11034; official code zhouyuan888888/SGCPNet, `mbnet.py`):
conv 3x3 s2 (no bias) -> BN -> hswish, 3 -> 16 channels. Differences from the official code: none
(its hswish `x * relu6(x + 3) / 6` is `nn.Hardswish`). Factors above 2 are an arena generalisation
(one conv with stride = factor); raise `kernel` to at least `factor` so no pixel is skipped.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ACTIVATIONS, ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "strided_conv", paper="SGCPNet (arXiv:2005.11034)")
class StridedConv(nn.Module):
    """One conv with stride = factor, then BN and an activation (a network stem)."""

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int = 16, kernel: int = 3, act: str = "hswish",
                 bias: bool = False):
        super().__init__()
        if factor < 2:
            raise BlockError(f"strided_conv needs factor >= 2, got {factor}")
        if kernel < 1 or kernel % 2 == 0:
            raise BlockError(f"strided_conv needs an odd kernel >= 1, got {kernel}")
        if act not in ACTIVATIONS:
            raise BlockError(f"strided_conv: unknown act {act!r}, choose from {', '.join(ACTIVATIONS)}")
        self.body = ConvBNAct(x.channels, out, kernel, factor, act=act, bias=bias)
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.body(x)
