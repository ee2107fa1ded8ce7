"""Global-average-pooling context block of GAIN. Cross-Layer Attentive Feature Upsampling for
Low-latency Semantic Segmentation, Cheng et al., arXiv:2601.01167; official code hustvl/simpleseg
(`GAP` in clanet.py; specs/gain.md §3.1 row 2): global mean -> 1x1 conv-BN-ReLU -> broadcast add
to the input -> 3x3 conv-BN-ReLU. Convs have no bias.

Differences from the official code: none. `out` (the pyramid interface) sets the 3x3 conv's
output width; the official block keeps the input width (the default).

The same block with `pool_bn=True` is BiSeNetV2's Context Embedding (BiSeNet V2, arXiv:2004.02147;
reference code CoinCheung/BiSeNet `CEBlock`, specs/bisenetv2.md §2.2.3): a BatchNorm on the pooled
vector before the 1x1 conv. The reference ends in a 3x3 conv-BN-ReLU, the paper in a plain 3x3 conv:
`plain_last=True` (no BN, no activation, with a bias). The pooled BN sees one value per channel and
image: in training it needs a batch of at least 2.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


@register(Role.PYRAMID, "gap_context", paper="GAIN (arXiv:2601.01167)")
class GAPContext(nn.Module):
    """Add a projected image-level vector to every position, then a 3x3 conv-BN-ReLU."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, act: str = "relu", pool_bn: bool = False,
                 plain_last: bool = False):
        super().__init__()
        out = out or x.channels
        if pool_bn:  # created first: the reference CEBlock's order (bn, conv_gap, conv_last)
            self.pool_bn = nn.BatchNorm2d(x.channels)
        self.glob = ConvBNAct(x.channels, x.channels, 1, act=act)
        self.fuse = ConvBNAct(x.channels, out, 3, act=None, bn=False) if plain_last else ConvBNAct(x.channels, out, 3,
                                                                                                   act=act)
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        g = torch.mean(x, dim=(2, 3), keepdim=True)  # (B, C, 1, 1)
        if hasattr(self, "pool_bn"):
            g = self.pool_bn(g)
        return self.fuse(x + self.glob(g))
