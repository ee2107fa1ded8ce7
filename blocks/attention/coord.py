"""Coordinate attention (CA). Coordinate Attention for Efficient Mobile Network Design, Hou et al.,
CVPR 2021, arXiv:2103.02907. Official code: houqb/CoordAttention, `coordatt.py`, `CoordAtt`
(specs/attention.md §4).

Two 1-D average pools (over W, then over H), concatenated along the spatial axis, one shared 1x1
conv C -> mip (bias) + BN + h_swish, split back, two 1x1 convs mip -> C (bias) + sigmoid, and the
input multiplied by both direction-aware maps (no residual). mip = max(min_mip, C // reduction):
the official rule, so it fits any C. h_swish is written out as y * relu6(y + 3) / 6 (the official
form; `nn.Hardswish` differs by up to 1e-6); `act="silu"` is the README's reading of the figure.
Pools are `adaptive_avg_pool2d` with (None, 1) / (1, None) outputs, as the official (counted by
fvcore). Init: PyTorch's default (the standalone official module). Differences: none.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "coord", paper="Coordinate Attention (arXiv:2103.02907)")
class CoordinateAttention(nn.Module):
    """x * a_w * a_h: attention along each spatial axis from pools over the other axis."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 32, min_mip: int = 8, act: str = "hswish"):
        super().__init__()
        if reduction < 1 or min_mip < 1:
            raise BlockError(f"attention.coord: reduction and min_mip must be >= 1, got {reduction} and {min_mip}")
        if act not in ("hswish", "silu"):
            raise BlockError(f"attention.coord: act must be 'hswish' (official) or 'silu', got {act!r}")
        c = x.channels
        mip = max(min_mip, c // reduction)
        self.act = act
        self.conv1 = nn.Conv2d(c, mip, 1)
        self.bn1 = nn.BatchNorm2d(mip)
        self.conv_h = nn.Conv2d(mip, c, 1)
        self.conv_w = nn.Conv2d(mip, c, 1)
        self.out_specs = (x,)

    def forward(self, x):
        h, w = x.shape[-2:]
        x_h = F.adaptive_avg_pool2d(x, (None, 1))  # (B, C, H, 1): mean over W
        x_w = F.adaptive_avg_pool2d(x, (1, None)).permute(0, 1, 3, 2)  # (B, C, W, 1): mean over H
        y = self.bn1(self.conv1(torch.cat([x_h, x_w], dim=2)))  # (B, mip, H + W, 1)
        y = y * (F.relu6(y + 3) / 6) if self.act == "hswish" else F.silu(y)
        y_h, y_w = torch.split(y, [h, w], dim=2)
        a_h = torch.sigmoid(self.conv_h(y_h))  # (B, C, H, 1)
        a_w = torch.sigmoid(self.conv_w(y_w.permute(0, 1, 3, 2)))  # (B, C, 1, W)
        return x * a_w * a_h
