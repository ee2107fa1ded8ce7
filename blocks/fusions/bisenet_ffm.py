"""Feature Fusion Module of BiSeNet, as STDC-Seg uses it. BiSeNet (arXiv:1808.00897); Rethinking
BiSeNet For Real-time Semantic Segmentation, Fan et al., CVPR 2021, arXiv:2104.13188; official code
MichaelFan01/STDC-Seg `FeatureFusionModule` (specs/stdc.md §2.4, §3.3).

u = CBR1x1(concat[skip, deep]); g = sigmoid(W2 ReLU(W1 mean_hw(u))) with 1x1 convs without bias or
BN (reduction 4); out = u * g + u. Inputs come in DESIGN's (deep, skip) order, both at the skip's
stride, and are concatenated skip first as the official code (`order="deep_first"` swaps them).
Not `fusion.ffm` (Fast-SCNN's dilated-depthwise sum), an unrelated module of the same acronym.
The global mean is `avg_pool2d` over the whole map, bit-equal to the official code (`mean` is not).
Differences from the official code: none (`u * g + u`, not `u * (1 + g)`, which rounds differently).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.fusions._common import same_stride
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.FUSION, "bisenet_ffm", paper="BiSeNet (arXiv:1808.00897) / STDC-Seg (arXiv:2104.13188)")
class BiSeNetFeatureFusion(nn.Module):
    """1x1 conv-BN-ReLU on the concatenation, then an SE-style gate with a residual."""

    def __init__(self, deep: FeatureSpec, skip: FeatureSpec, *, out: int | None = None, reduction: int = 4,
                 order: str = "skip_first"):
        super().__init__()
        if order not in ("skip_first", "deep_first"):
            raise BlockError(f"bisenet_ffm order must be 'skip_first' or 'deep_first', got {order!r}")
        if reduction < 1:
            raise BlockError(f"bisenet_ffm reduction must be >= 1, got {reduction}")
        stride = same_stride((deep, skip), "bisenet_ffm")
        out = out or skip.channels
        self.skip_first = order == "skip_first"
        self.convblk = ConvBNAct(deep.channels + skip.channels, out, 1)
        self.conv1 = nn.Conv2d(out, max(1, out // reduction), 1, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(max(1, out // reduction), out, 1, bias=False)
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, deep, skip):
        u = self.convblk(torch.cat((skip, deep) if self.skip_first else (deep, skip), dim=1))
        g = torch.sigmoid(self.conv2(self.relu(self.conv1(F.avg_pool2d(u, u.shape[2:])))))
        return u * g + u
