"""Pyramid Pooling Module. PSPNet, Zhao et al., CVPR 2017, arXiv:1612.01105; as Fast-SCNN uses it
(specs/fast_scnn.md §2.3c): bins 1,2,3,6, branch 1x1 C->C/4 + BN + ReLU, bilinear back, concat with
the input, 1x1 fuse (mmseg 1.x uses `fuse_kernel=3`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


@register(Role.PYRAMID, "ppm", paper="PSPNet (arXiv:1612.01105)")
class PyramidPooling(nn.Module):
    """Average-pool at several bin sizes, project, upsample and concatenate with the input."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, bins: list = (1, 2, 3, 6),
                 reduction: int = 4, fuse_kernel: int = 1, branch_act: str | None = "relu",
                 align_corners: bool = False):
        super().__init__()
        out = out or x.channels
        branch = x.channels // reduction
        self.bins = list(bins)
        self.align_corners = align_corners
        self.branches = nn.ModuleList(ConvBNAct(x.channels, branch, 1, act=branch_act) for _ in self.bins)
        self.fuse = ConvBNAct(x.channels + branch * len(self.bins), out, fuse_kernel)
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        size = x.shape[-2:]
        pooled = [F.interpolate(conv(F.adaptive_avg_pool2d(x, b)), size=size, mode="bilinear",
                                align_corners=self.align_corners)
                  for b, conv in zip(self.bins, self.branches)]
        return self.fuse(torch.cat([x, *pooled], dim=1))
