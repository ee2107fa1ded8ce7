"""SeaFormer's Light Head, after its fusions. SeaFormer: Squeeze-enhanced Axial Transformer for Mobile
Semantic Segmentation, Wan et al., ICLR 2023, arXiv:2301.13156; official fudan-zvg/SeaFormer `LightHead`
(`linear_fuse`, dropout, `conv_seg`; specs/seaformer.md §2.5). Its two `Fusion_block`s are `fusion.sea`
nodes before it, so they stay swappable.

A 1x1 conv-BN-ReLU, depthwise by default (`dw=True`: groups = channels, a per-channel scale, as the
official `is_dw=True`; `dw=False` a dense 1x1, TopFormer's `SimpleHead`), Dropout2d(0.1), a 1x1
classifier with bias. The classifier is created first, as the official base class creates `conv_seg`
before `linear_fuse`. Init: mmcv ConvModule (Kaiming normal fan-out) and `conv_seg` normal(0, 0.01).
"""
from __future__ import annotations

from torch import nn

from blocks.attention._common import fan_out_normal_
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.HEAD, "light", paper="SeaFormer (arXiv:2301.13156)")
class LightHead(nn.Module):
    """[Depthwise] 1x1 conv-BN-ReLU -> Dropout2d -> 1x1 classifier."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, dropout: float = 0.1, dw: bool = True):
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise BlockError(f"light: dropout must be in [0, 1), got {dropout}")
        c = x.channels
        self.conv_seg = nn.Conv2d(c, classes, 1)
        self.linear_fuse = ConvBNAct(c, c, 1, groups=c if dw else 1)
        self.dropout = nn.Dropout2d(dropout) if dropout else nn.Identity()
        fan_out_normal_(self.linear_fuse)
        nn.init.normal_(self.conv_seg.weight, 0.0, 0.01)
        nn.init.zeros_(self.conv_seg.bias)
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.conv_seg(self.dropout(self.linear_fuse(x)))
