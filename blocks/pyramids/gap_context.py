"""Global-average-pooling context block of GAIN. Cross-Layer Attentive Feature Upsampling for
Low-latency Semantic Segmentation, Cheng et al., arXiv:2601.01167; official code hustvl/simpleseg
(`GAP` in clanet.py; specs/gain.md §3.1 row 2): global mean -> 1x1 conv-BN-ReLU -> broadcast add
to the input -> 3x3 conv-BN-ReLU. Convs have no bias.

Differences from the official code: none. `out` (the pyramid interface) sets the 3x3 conv's
output width; the official block keeps the input width (the default).
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


@register(Role.PYRAMID, "gap_context", paper="GAIN (arXiv:2601.01167)")
class GAPContext(nn.Module):
    """Add a projected image-level vector to every position, then a 3x3 conv-BN-ReLU."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, act: str = "relu"):
        super().__init__()
        out = out or x.channels
        self.glob = ConvBNAct(x.channels, x.channels, 1, act=act)
        self.fuse = ConvBNAct(x.channels, out, 3, act=act)
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        g = self.glob(torch.mean(x, dim=(2, 3), keepdim=True))  # (B, C, 1, 1)
        return self.fuse(x + g)
