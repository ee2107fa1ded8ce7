"""Pag: pixel-attention-guided fusion, PIDNet's P-branch fusion (`PagFM`, used as pag3 and pag4).

PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers, Xu et al., CVPR 2023,
arXiv:2206.02066 (official code XuJiacong/PIDNet `model_utils.PagFM`; specs/pidnet.md §3.1). With x
the P-branch feature and y the compressed I-branch feature:
    q = resize(BN(W_y y)),  k = BN(W_x x),  s = sigmoid(sum_c k_c q_c),  out = (1 - s) x + s resize(y)
The official module takes y at its own (coarser) stride, projects it there (`f_y`) and resizes twice:
the projection q and the raw y. arena decomposes it so that both resizes are upsampler nodes that
`--swap upsampler=...` reaches, and the official function stays the default: the network file
computes q with an `op.cbr` node (1x1 conv + BN, the official `f_y`) at y's stride, resizes q and y
with two upsampler nodes, and this fusion receives (resized y, x, resized q) at one stride, holding
`f_x`, the similarity and the mix. Given only (y, x) at one stride (a hybrid in another network's
fusion slot) it builds its own `f_y` and projects the already resized y: the same function in eval
mode, since a 1x1 conv + BN is a per-pixel affine map and bilinear weights sum to one (specs/pidnet.md
§3.1 measured max |diff| 1.4e-6), at a slightly higher cost; a deep input of another width is first
projected to the skip's (`align`: 1x1 conv + BN), since the mix is pixel by pixel.
`act` is the ReLU that follows pag3/pag4 in the official forward (its in-place ReLU also reaches the
P auxiliary head, §3.6); `channel=True` is the code's unused `with_channel` option (a 1x1 + BN from
the similarity product back to x's width, one attention value per channel). The code's unused
`after_relu` option is not offered: with f_y outside the block it cannot be reproduced exactly.
Differences from the official code: none for the defaults.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.fusions._common import same_stride
from blocks.layers import ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register


def conv_bn(cin: int, cout: int) -> nn.Sequential:
    """The official `f_x` / `f_y` / `up`: 1x1 conv (no bias) + BN."""
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))


@register(Role.FUSION, "pag", paper="PIDNet (arXiv:2206.02066)")
class Pag(nn.Module):
    """(1 - s) x + s y, s = sigmoid of a per-pixel dot product of projected x and y (q given or made)."""

    example_specs = (FeatureSpec(16, 8), FeatureSpec(16, 8), FeatureSpec(8, 8))

    def __init__(self, y: FeatureSpec, x: FeatureSpec, *q: FeatureSpec, mid: int | None = None,
                 out: int | None = None, act: str | None = None, channel: bool = False):
        super().__init__()
        stride = same_stride((y, x, *q), "pag")
        if len(q) > 1:
            raise BlockError(f"pag takes (deep, skip) or (deep, skip, projected deep), got {2 + len(q)} inputs")
        if q and y.channels != x.channels:
            raise BlockError(f"pag mixes its inputs pixel by pixel: deep has {y.channels} channels, skip "
                             f"{x.channels}; project them to one width first")
        if q and mid is not None and mid != q[0].channels:
            raise BlockError(f"pag mid={mid} but the projected deep input has {q[0].channels} channels")
        mid = q[0].channels if q else (mid or max(x.channels // 2, 1))
        self.align = conv_bn(y.channels, x.channels) if y.channels != x.channels else None
        self.f_x = conv_bn(x.channels, mid)
        self.f_y = None if q else conv_bn(x.channels, mid)
        self.up = conv_bn(mid, x.channels) if channel else None
        try:
            self.act = make_act(act)
        except ValueError as e:
            raise BlockError(f"pag: {e}") from None
        out = out or x.channels
        self.project = ConvBNAct(x.channels, out, 1) if out != x.channels else nn.Identity()
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, y, x, *q):
        if self.align is not None:
            y = self.align(y)
        y_q = q[0] if q else self.f_y(y)
        x_k = self.f_x(x)
        if self.up is not None:
            sim = torch.sigmoid(self.up(x_k * y_q))
        else:
            sim = torch.sigmoid(torch.sum(x_k * y_q, dim=1).unsqueeze(1))
        return self.project(self.act((1 - sim) * x + sim * y))
