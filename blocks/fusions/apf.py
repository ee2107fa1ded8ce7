"""Attention Pyramid Fusion (APF). S²-FPN: Scale-ware Strip Attention Guided Feature Pyramid
Network for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

v1 code `PyrmidFusionNet(Ch, Cl, Co)` (specs/s2fpn.md §3.2), restructured for arena's contract:
- The official block resizes x_high to x_low's size (bilinear, align_corners=False) itself. Here
  that resize is the `upsampler.bilinear` node before this fusion, so `deep` arrives already at the
  skip's stride. No conv precedes the official resize, so the computed function is unchanged.
- The official block also runs the 3x3 transition CBR and the deep-supervision classifier. Here it
  returns the pre-transition fusion map F_out; the network applies the transition as an `op.cbr`
  node and attaches the auxiliary head to F_out, which is exactly where the official aux head sits.
- Unused BNs of the official conv blocks are not built.
`spatial` (SSAM) and `channel` (CRB) are block arguments, so `--swap attention=...` reaches them.
Both return full feature maps (not gates): F_out = spatial(F_R) * conv_high(U) + channel(F_R) * conv_low(L).
Submodules are created in the official order so an official state dict maps in order.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockRef, FeatureSpec, Role, register
from blocks.fusions._common import same_stride


@register(Role.FUSION, "apf", paper="S2-FPN (arXiv:2206.07298)")
class AttentionPyramidFusion(nn.Module):
    """Lateral 1x1 on the skip, refine concat[lateral, deep], then spatial/channel attention-weighted sum."""

    def __init__(self, deep: FeatureSpec, skip: FeatureSpec, *, out: int | None = None,
                 spatial: BlockRef = BlockRef(Role.ATTENTION, "ssam"),
                 channel: BlockRef = BlockRef(Role.ATTENTION, "crb")):
        super().__init__()
        stride = same_stride((deep, skip), "apf")
        ch = deep.channels
        out = out or max(1, ch // 2)  # the official pyramid halves the width at every level
        # the official __init__ order (lateral_low, conv_low, sa, conv_high, ca, FRB), not the call order
        self.lateral = ConvBNAct(skip.channels, ch, 1)
        self.conv_low = ConvBNAct(ch, out, 3)
        self.spatial = spatial.build(FeatureSpec(out, stride))
        self.conv_high = ConvBNAct(ch, out, 3)
        self.channel = channel.build(FeatureSpec(out, stride))
        self.refine = nn.Sequential(ConvBNAct(2 * ch, out, 1), ConvBNAct(out, out, 3))  # FRB
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, deep, skip):
        lat = self.lateral(skip)
        refined = self.refine(torch.cat((lat, deep), dim=1))  # official order: [lateral, upsampled]
        return self.spatial(refined) * self.conv_high(deep) + self.channel(refined) * self.conv_low(lat)
