"""Attention Refinement Module (ARM) gate. BiSeNet: Bilateral Segmentation Network for Real-time
Semantic Segmentation, Yu et al., ECCV 2018, arXiv:1808.00897, as STDC-Seg uses it (Rethinking
BiSeNet For Real-time Semantic Segmentation, arXiv:2104.13188; official code MichaelFan01/STDC-Seg
`AttentionRefinementModule`; specs/stdc.md §3.2).

The official ARM opens with a 3x3 conv-BN-ReLU that changes the width; in arena that conv is the
`op.cbr` node before this block, so `--swap attention=...` replaces only the gate. The gate is one
linear layer: a = sigmoid(BN(W mean_hw(x))), W a 1x1 conv without bias, no reduction, no ReLU;
the output is x * a (no residual). Unlike `attention.se` (two FCs with biases and a reduction).
The global mean is `avg_pool2d` over the whole map, as the official code: `x.mean((2, 3))` differs
in the last bit. Differences from the official code: none (its BN is InPlaceABN without activation, equal to
BatchNorm2d in eval).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.registry import FeatureSpec, Role, register


@register(Role.ATTENTION, "arm", paper="BiSeNet (arXiv:1808.00897) / STDC-Seg (arXiv:2104.13188)")
class AttentionRefinement(nn.Module):
    """x * sigmoid(BN(1x1 conv(mean_hw(x)))): per-channel weights from one linear layer."""

    def __init__(self, x: FeatureSpec, *, bn: bool = True):
        super().__init__()
        c = x.channels
        self.conv_atten = nn.Conv2d(c, c, 1, bias=not bn)
        self.bn_atten = nn.BatchNorm2d(c) if bn else nn.Identity()
        self.out_specs = (FeatureSpec(c, x.stride),)

    def forward(self, x):
        a = self.bn_atten(self.conv_atten(F.avg_pool2d(x, x.shape[2:])))  # (B, C, 1, 1)
        return x * torch.sigmoid(a)
