"""Scale-aware Strip Attention Module (SSAM). S²-FPN: Scale-ware Strip Attention Guided Feature
Pyramid Network for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

This is the v1 code's `SpatialAttention` (the paper model; specs/s2fpn.md §3.3). Differences from
the official code and from the paper figure:
- The official module builds a 1x1 `conv_res` and a bias on the shared strip conv that are never
  used in forward; they are dropped (every parameter here must receive a gradient). Parameters:
  2C^2 + 4C + 1 instead of the code's 3C^2 + 6C + 1.
- Strip pooling uses `mean`/`amax` over the height instead of pooling layers with an (H, 1)
  kernel built from the input size: the same values, but no shape-dependent Python in forward.
- `weighting="code"` (default) takes a softmax over all C channels of F1*F2 and uses only its
  channels 0 and 1 as the two strip weights (the official quirk). `weighting="pair"` is the
  figure's reading: a per-position softmax over the two strips (F1, F2). Not used for the numbers.
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
    """Vertical avg/max strips mixed by learned weights, broadcast back; gamma starts at 0 (identity)."""

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
        self.shared = nn.Conv2d(c, c, 1, bias=False)  # W_s, applied to both strips
        self.bn_avg = nn.BatchNorm2d(c)
        self.bn_max = nn.BatchNorm2d(c)
        self.out_conv = nn.Conv2d(c, c, 1, bias=False)  # W_f
        self.gamma = nn.Parameter(torch.full((1,), float(gamma_init)))  # 0: learned in from the identity
        self.out_specs = (x,)

    def forward(self, x):
        f1 = self.bn_avg(self.shared(x.mean(dim=2, keepdim=True)))  # (B, C, 1, W)
        f2 = self.bn_max(self.shared(x.amax(dim=2, keepdim=True)))  # (B, C, 1, W)
        if self.weighting == "code":
            a = torch.softmax(f1 * f2, dim=1)  # over channels; only channels 0 and 1 are used
            mixed = a[:, 0:1] * f1 + a[:, 1:2] * f2  # (B, C, 1, W)
        else:
            w = torch.softmax(torch.stack((f1, f2)), dim=0)  # (2, B, C, 1, W)
            mixed = w[0] * f1 + w[1] * f2
        g = F.dropout(self.out_conv(mixed), p=self.dropout, training=self.training)
        return torch.relu(self.gamma * g + (1 - self.gamma) * x)  # g broadcasts along H
