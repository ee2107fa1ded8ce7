"""Scale-aware Strip Attention Module (SSAM). S²-FPN: Scale-ware Strip Attention Guided Feature
Pyramid Network for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

This is the v1 code's `SpatialAttention` (the paper model; specs/s2fpn.md §3.3). Its modules are
created and called in the official order, max-pooled strip first: the shared strip conv, the
max-strip BN (official `bn_sh1`), the avg-strip BN (`bn_sh2`), the output conv (`fuse`), then gamma;
so an official state dict maps onto this block in order. Differences from the official code and
from the paper figure:
- The official module builds a 1x1 `conv_res` and a bias on the shared strip conv that are never
  used in forward; they are dropped (every parameter here must receive a gradient). Parameters:
  2C^2 + 4C + 1 instead of the code's 3C^2 + 6C + 1.
- Strip pooling uses `amax`/`mean` over the height instead of pooling layers with an (H, 1)
  kernel built from the input size: the same values, but no shape-dependent Python in forward.
- `weighting="code"` (default) takes a softmax over all C channels of F_max*F_avg and uses only its
  channel 0 as the weight of the avg strip and channel 1 as the weight of the max strip (the
  official quirk). `weighting="pair"` is the figure's reading: a per-position softmax over the two
  strips. Not used for the numbers.
- gamma starts at 0 (`gamma_init`, official), so at initialisation the block is the identity on
  its ReLU-ed input and every weight but gamma gets an exactly zero gradient on the first step.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "ssam", paper="S2-FPN (arXiv:2206.07298)")
class StripAttention(nn.Module):
    """Vertical max/avg strips mixed by learned weights, broadcast back; gamma starts at 0 (identity)."""

    def __init__(self, x: FeatureSpec, *, dropout: float = 0.15, weighting: str = "code",
                 gamma_init: float = 0.0):
        super().__init__()
        if weighting not in ("code", "pair"):
            raise BlockError(f"ssam weighting must be 'code' or 'pair', got {weighting!r}")
        if weighting == "code" and x.channels < 2:
            raise BlockError(f"ssam weighting='code' needs at least 2 channels, got {x.channels}")
        c = x.channels
        self.weighting = weighting
        self.dropout = dropout
        self.shared = nn.Conv2d(c, c, 1, bias=False)  # W_s, applied to both strips (official conv_sh)
        self.bn_max = nn.BatchNorm2d(c)  # official bn_sh1: the max strip comes first
        self.bn_avg = nn.BatchNorm2d(c)  # official bn_sh2
        self.out_conv = nn.Conv2d(c, c, 1, bias=False)  # W_f (official fuse)
        self.gamma = nn.Parameter(torch.full((1,), float(gamma_init)))  # 0: learned in from the identity
        self.out_specs = (x,)

    def forward(self, x):
        f_max = self.bn_max(self.shared(x.amax(dim=2, keepdim=True)))  # (B, C, 1, W), computed first
        f_avg = self.bn_avg(self.shared(x.mean(dim=2, keepdim=True)))  # (B, C, 1, W)
        if self.weighting == "code":
            a = torch.softmax(f_max * f_avg, dim=1)  # over channels; only channels 0 and 1 are used
            mixed = a[:, 0:1] * f_avg + a[:, 1:2] * f_max  # (B, C, 1, W)
        else:
            w = torch.softmax(torch.stack((f_avg, f_max)), dim=0)  # (2, B, C, 1, W)
            mixed = w[0] * f_avg + w[1] * f_max
        g = F.dropout(self.out_conv(mixed), p=self.dropout, training=self.training)
        return torch.relu(self.gamma * g + (1 - self.gamma) * x)  # g broadcasts along H
