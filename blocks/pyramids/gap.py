"""Global-average-pooling context of BiSeNet / STDC-Seg. Rethinking BiSeNet For Real-time Semantic
Segmentation, Fan et al., CVPR 2021, arXiv:2104.13188; official code MichaelFan01/STDC-Seg
(`ContextPath.conv_avg`; specs/stdc.md §2.3 step 2): the mean over HxW, a 1x1 conv-BN-ReLU to `out`
channels, broadcast back to HxW by a nearest resize (as the official code; fvcore counts it).

It returns the context alone: the network adds it to the ARM output with `fusion.add`. Not
`pyramid.gap_context` (GAIN, BiSeNetV2's CE), which adds the vector to its own input and runs a 3x3.
Differences from the official code: none.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


@register(Role.PYRAMID, "gap", paper="STDC-Seg / BiSeNet (arXiv:2104.13188)")
class GlobalPoolContext(nn.Module):
    """An image-level vector (mean, 1x1 conv-BN-ReLU) spread over every position."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, act: str = "relu"):
        super().__init__()
        out = out or x.channels
        self.conv = ConvBNAct(x.channels, out, 1, act=act)
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        g = self.conv(F.avg_pool2d(x, x.shape[2:]))  # (B, out, 1, 1)
        return F.interpolate(g, size=x.shape[-2:], mode="nearest")
