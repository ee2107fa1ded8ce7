"""PAPPM: Parallel Aggregation Pyramid Pooling Module, the context module of PIDNet-S and -M.

PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers, Xu et al., CVPR 2023,
arXiv:2206.02066 (official code XuJiacong/PIDNet `model_utils.PAPPM`; specs/pidnet.md §3.2). The
branches of DAPPM (`pyramid.dappm`: s0 and four pooled s1..s4, BN -> ReLU -> 1x1 each), but in
parallel: t_k = resize(s_k) + s0 for every k, then ONE BN-ReLU over cat[t1..t4] and a grouped 3x3
conv (groups=4, one group per t_k: `scale_process`), out = 1x1(BR(cat[s0, z])) + 1x1(BR(x)).
Interior resizes are bilinear, align_corners=False. Modules carry the official names and creation
order (scale1..4, scale0, scale_process, compression, shortcut). Differences from the official
code: none.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.pyramids.dappm import bn_relu_conv, pooled_scales, resized
from blocks.registry import FeatureSpec, Role, register


@register(Role.PYRAMID, "pappm", paper="PIDNet (arXiv:2206.02066)")
class PAPPM(nn.Module):
    """Four pooled branches each added to s0, one grouped 3x3 over them, compressed, plus a shortcut."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, mid: int = 96, align_corners: bool = False):
        super().__init__()
        out = out or x.channels
        self.align_corners = align_corners
        self.scale1, self.scale2, self.scale3, self.scale4 = pooled_scales(x.channels, mid)
        self.scale0 = nn.Sequential(*bn_relu_conv(x.channels, mid))
        self.scale_process = nn.Sequential(*bn_relu_conv(4 * mid, 4 * mid, 3, groups=4))
        self.compression = nn.Sequential(*bn_relu_conv(5 * mid, out))
        self.shortcut = nn.Sequential(*bn_relu_conv(x.channels, out))
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        s0 = self.scale0(x)
        levels = [resized(scale(x), x, self.align_corners) + s0
                  for scale in (self.scale1, self.scale2, self.scale3, self.scale4)]
        return self.compression(torch.cat([s0, self.scale_process(torch.cat(levels, 1))], 1)) + self.shortcut(x)
