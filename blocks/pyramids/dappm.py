"""DAPPM: Deep Aggregation Pyramid Pooling Module, DDRNet's context module (also PIDNet-L's).

Deep Dual-resolution Networks for Real-time and Accurate Semantic Segmentation of Road Scenes,
Hong et al., arXiv:2101.06085 (official code ydhongHIT/DDRNet `DAPPM`; specs/ddrnet.md §3.2), reused
unchanged by PIDNet-L (arXiv:2206.02066, XuJiacong/PIDNet `model_utils.DAPPM`; specs/pidnet.md §3.3).
Pre-activation branches (BN -> ReLU -> conv, all convs bias-free) on the input x at its own stride:
- s0 = 1x1(BR(x)); s1..s3 = 1x1(BR(AvgPool(k, s, p)(x))) with (5, 2, 2), (9, 4, 4), (17, 8, 8)
  (`count_include_pad=True`, the pool **before** the BN); s4 = 1x1(BR(global average pool(x))).
- a cascade: y0 = s0, y_k = 3x3(BR(resize(s_k) + y_{k-1})), bilinear, align_corners=False;
- out = 1x1(BR(cat[y0..y4])) + 1x1(BR(x)) (`compression` + `shortcut`), no activation after the sum.
Modules are created in the official order and under the official names (scale1..4, scale0,
process1..4, compression, shortcut; index 0 of scale1..4 is the pool), so a checkpoint loads by name.
Differences from the official code: none for the defaults. `bias=True` gives every conv a bias, as
SCTNet's `DAPPM_head` has (arXiv:2312.17071; specs/sctnet.md §2.4, §3.3). `cascade=False` is an ablation hook: each
level adds s0 instead of the previous level (the parallel aggregation PIDNet's PAPPM starts from).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.registry import FeatureSpec, Role, register

POOLS = ((5, 2, 2), (9, 4, 4), (17, 8, 8))  # (kernel, stride, padding) of scale1..scale3


def bn_relu_conv(cin: int, cout: int, kernel: int = 1, groups: int = 1, bias: bool = False) -> list[nn.Module]:
    """The pre-activation unit of DAPPM/PAPPM: BN -> ReLU -> conv (no bias by default)."""
    return [nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
            nn.Conv2d(cin, cout, kernel, padding=kernel // 2, groups=groups, bias=bias)]


def pooled_scales(cin: int, mid: int, bias: bool = False) -> list[nn.Sequential]:
    """scale1..scale4: three local average pools and a global one, each then BN-ReLU-1x1."""
    pools = [nn.AvgPool2d(k, s, p) for k, s, p in POOLS] + [nn.AdaptiveAvgPool2d((1, 1))]
    return [nn.Sequential(pool, *bn_relu_conv(cin, mid, bias=bias)) for pool in pools]


def resized(y: torch.Tensor, like: torch.Tensor, align_corners: bool) -> torch.Tensor:
    return F.interpolate(y, size=like.shape[-2:], mode="bilinear", align_corners=align_corners)


@register(Role.PYRAMID, "dappm", paper="DDRNet (arXiv:2101.06085)")
class DAPPM(nn.Module):
    """Five pooled branches aggregated in a cascade of 3x3 convs, compressed, plus a 1x1 shortcut."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, mid: int = 128, cascade: bool = True,
                 align_corners: bool = False, bias: bool = False):
        super().__init__()
        out = out or x.channels
        self.cascade, self.align_corners = cascade, align_corners
        self.scale1, self.scale2, self.scale3, self.scale4 = pooled_scales(x.channels, mid, bias)
        self.scale0 = nn.Sequential(*bn_relu_conv(x.channels, mid, bias=bias))
        self.process1, self.process2, self.process3, self.process4 = (
            nn.Sequential(*bn_relu_conv(mid, mid, 3, bias=bias)) for _ in range(4))
        self.compression = nn.Sequential(*bn_relu_conv(5 * mid, out, bias=bias))
        self.shortcut = nn.Sequential(*bn_relu_conv(x.channels, out, bias=bias))
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        levels = [self.scale0(x)]
        scales = (self.scale1, self.scale2, self.scale3, self.scale4)
        processes = (self.process1, self.process2, self.process3, self.process4)
        for scale, process in zip(scales, processes):
            previous = levels[-1] if self.cascade else levels[0]
            levels.append(process(resized(scale(x), x, self.align_corners) + previous))
        return self.compression(torch.cat(levels, 1)) + self.shortcut(x)
