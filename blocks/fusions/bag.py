"""Bag and Light-Bag: PIDNet's boundary-attention-guided fusions of its P, I and D branches (`dfm`).

PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers, Xu et al., CVPR 2023,
arXiv:2206.02066 (official code XuJiacong/PIDNet `model_utils.Bag`, `Light_Bag`; specs/pidnet.md §3.4).
Inputs in arena's (deep, skip, ...) order: i (the upsampled context), p (detail branch), d (boundary
branch), all at one stride and width. a = sigmoid(d) is per channel and per pixel (d is a feature
map, not the 1-channel boundary logit).
- `bag` (PIDNet-L): out = 3x3( ReLU( BN( a p + (1 - a) i ) ) ), pre-activation order as the code.
- `light_bag` (PIDNet-S, -M): out = BN(1x1((1 - a) i + p)) + BN(1x1(i + a p)), no activation.
Paraphrases of the paper describe `f` as conv-BN-ReLU; the code's order is the default here.
Modules carry the official names (`conv`; `conv_p`, `conv_i`). Differences from the official code: none.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.fusions._common import same_stride
from blocks.registry import BlockError, FeatureSpec, Role, register

PAPER = "PIDNet (arXiv:2206.02066)"


def _width(i: FeatureSpec, p: FeatureSpec, d: FeatureSpec, name: str) -> int:
    same_stride((i, p, d), name)
    if len({i.channels, p.channels, d.channels}) != 1:
        raise BlockError(f"{name} weighs its inputs channel by channel: context, detail and boundary have "
                         f"{i.channels}, {p.channels}, {d.channels} channels; they need one width")
    return i.channels


@register(Role.FUSION, "bag", paper=PAPER)
class Bag(nn.Module):
    """BN-ReLU-3x3 of a p + (1 - a) i, with a = sigmoid(d): boundaries trust detail, the rest context."""

    example_specs = (FeatureSpec(16, 8),) * 3

    def __init__(self, i: FeatureSpec, p: FeatureSpec, d: FeatureSpec, *, out: int | None = None):
        super().__init__()
        width = _width(i, p, d, "bag")
        out = out or width
        self.conv = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(inplace=True),
                                  nn.Conv2d(width, out, 3, padding=1, bias=False))
        self.out_specs = (FeatureSpec(out, i.stride),)

    def forward(self, i, p, d):
        edge_att = torch.sigmoid(d)
        return self.conv(edge_att * p + (1 - edge_att) * i)


@register(Role.FUSION, "light_bag", paper=PAPER)
class LightBag(nn.Module):
    """BN(1x1((1 - a) i + p)) + BN(1x1(i + a p)), a = sigmoid(d): Bag's light form, no activation."""

    example_specs = (FeatureSpec(16, 8),) * 3

    def __init__(self, i: FeatureSpec, p: FeatureSpec, d: FeatureSpec, *, out: int | None = None):
        super().__init__()
        width = _width(i, p, d, "light_bag")
        out = out or width
        self.conv_p = nn.Sequential(nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out))
        self.conv_i = nn.Sequential(nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out))
        self.out_specs = (FeatureSpec(out, i.stride),)

    def forward(self, i, p, d):
        edge_att = torch.sigmoid(d)
        p_add = self.conv_p((1 - edge_att) * i + p)
        i_add = self.conv_i(i + edge_att * p)
        return p_add + i_add
