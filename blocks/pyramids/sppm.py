"""Simple Pyramid Pooling Module (SPPM). PP-LiteSeg: A Superior Real-Time Semantic Segmentation Model,
Peng et al., arXiv:2204.02681; official code PaddlePaddle/PaddleSeg `PPContextModule`
(paddleseg/models/pp_liteseg.py; specs/pp_liteseg.md §2.3, §3.2).

  out = CBR3x3( sum_b bilinear( CBR1x1( AdaptiveAvgPool_b(x) ), size(x) ) ),  b in bins (1, 2, 4)

Unlike PSPNet's PPM (pyramid.ppm): fewer bins, the branches are summed (not concatenated), there is
no input shortcut, and every branch keeps the full width `mid`. Paddle gives a conv a bias unless
told not to, and PaddleSeg's `ConvBNReLU` does not, so every conv here has a bias before its BN
(`bias=True`, the official model: +4 x 128 parameters; `bias=False` drops them).

Differences from the official code: none for the defaults. The pools are functional
(`F.adaptive_avg_pool2d`, the same op fvcore counts as the official `AdaptiveAvgPool2D` layer), so a
branch holds its conv-BN-ReLU only.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.PYRAMID, "sppm", paper="PP-LiteSeg (arXiv:2204.02681)")
class SimplePyramidPooling(nn.Module):
    """Average-pool at a few bin sizes, project, upsample back and sum; one 3x3 conv-BN-ReLU."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, mid: int | None = None, bins: list = (1, 2, 4),
                 bias: bool = True, align_corners: bool = False):
        super().__init__()
        out = out or x.channels
        mid = mid or out
        if not bins or any(int(b) < 1 for b in bins):
            raise BlockError(f"sppm bins must be one or more sizes >= 1, got {list(bins)}")
        self.bins = [int(b) for b in bins]
        self.align_corners = align_corners
        self.stages = nn.ModuleList(ConvBNAct(x.channels, mid, 1, bias=bias) for _ in self.bins)
        self.conv_out = ConvBNAct(mid, out, 3, bias=bias)
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        size = x.shape[-2:]
        total = None
        for b, stage in zip(self.bins, self.stages):
            branch = F.interpolate(stage(F.adaptive_avg_pool2d(x, b)), size=size, mode="bilinear",
                                   align_corners=self.align_corners)
            total = branch if total is None else total + branch
        return self.conv_out(total)
