"""Channel-wise Reweighting Block (CRB). S²-FPN: Scale-ware Strip Attention Guided Feature Pyramid
Network for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

The v1 code's `ChannelWise(C, reduction=4)` (specs/s2fpn.md §3.4a): squeeze-and-excitation
without BN and without biases, returning the reweighted map X * s (not the gate). The official
module builds unused BNs inside its conv blocks; they are dropped. `bias=True` gives classic SE.
"""
from __future__ import annotations

from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "crb", paper="S2-FPN (arXiv:2206.07298)")
class ChannelReweight(nn.Module):
    """X * sigmoid(W2 relu(W1 GAP(X))) with reduction 4."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 4, bias: bool = False):
        super().__init__()
        if reduction < 1 or x.channels // reduction < 1:
            raise BlockError(f"crb reduction {reduction} leaves no channels from {x.channels}")
        mid = x.channels // reduction
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(x.channels, mid, 1, bias=bias),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, x.channels, 1, bias=bias),
            nn.Sigmoid(),
        )
        self.out_specs = (x,)

    def forward(self, x):
        return x * self.gate(x)  # (B, C, 1, 1) gate broadcast over H, W
