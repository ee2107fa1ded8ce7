"""Global Feature Upsample (GFU). S²-FPN: Scale-ware Strip Attention Guided Feature Pyramid Network
for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

v1 code `GlobalFeatureUpsample(Cl, Ci, Co)` (specs/s2fpn.md §3.4b), restructured for arena:
- The official block resizes the previous decoder output to the guide's size itself (bilinear,
  align_corners=True) and then applies its 1x1 conv; here the resize is an `upsampler.bilinear`
  node before this fusion (the conv still follows it, as in the official order, so MACs match).
- The paper figure draws a global average pool on the upsampled branch; the code's pool has a 1x1
  kernel (an identity). Default `global_pool=False` is the code; True pools B to C x 1 x 1 and
  broadcast-adds it (spec §8 A2).
- Unused BNs of the official conv blocks are not built.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register
from blocks.fusions._common import same_stride


@register(Role.FUSION, "gfu", paper="S2-FPN (arXiv:2206.07298)")
class GlobalFeatureUpsample(nn.Module):
    """CBR1x1(skip) + ReLU(conv1x1(deep)), then CBR1x1 of the sum."""

    def __init__(self, deep: FeatureSpec, skip: FeatureSpec, *, out: int | None = None, global_pool: bool = False):
        super().__init__()
        stride = same_stride((deep, skip), "gfu")
        out = out or skip.channels
        self.guide = ConvBNAct(skip.channels, out, 1)
        self.deep = ConvBNAct(deep.channels, out, 1, bn=False, bias=False)  # conv + ReLU, no BN
        self.pool = nn.AdaptiveAvgPool2d(1) if global_pool else nn.Identity()
        self.fuse = ConvBNAct(out, out, 1)
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, deep, skip):
        return self.fuse(self.guide(skip) + self.pool(self.deep(deep)))  # pooled (B, C, 1, 1) broadcasts
