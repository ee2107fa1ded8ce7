"""AFFormer's "head-free" classifier (`CLS`): 1x1 conv (no bias) -> GroupNorm -> ReLU -> Dropout2d ->
1x1 conv to classes (bias).

Head-Free Lightweight Semantic Segmentation with Linear Transformer, Dong et al., AAAI 2023,
arXiv:2301.04648; official dongbo811/AFFormer `mmseg/models/decode_heads/aff_head.py`
(specs/afformer.md §2.6). The official head also builds `align` (conv-GN-ReLU 256 -> 256) and never
calls it: not built here. Modules are created in the official order (`conv_seg` before `squeeze`)
so the state dict zips with the official one. Init as mmseg: the squeeze conv Kaiming normal
(fan_out, ReLU), GN 1/0, the classifier normal(0, 0.01) with bias 0.
"""
from __future__ import annotations

from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.HEAD, "cls", paper="AFFormer (arXiv:2301.04648)")
class CLSHead(nn.Module):
    """conv (mid, no bias) -> GN(groups) -> ReLU -> Dropout2d -> 1x1 classifier."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, mid: int = 256, kernel: int = 1, groups: int = 32,
                 dropout: float = 0.1):
        super().__init__()
        if groups < 1 or mid % groups:
            raise BlockError(f"head.cls: groups={groups} must divide mid={mid} (GroupNorm); use a mid that is a "
                             f"multiple of {groups} or fewer groups")
        self.conv_seg = nn.Conv2d(mid, classes, 1)
        self.squeeze = nn.Sequential(nn.Conv2d(x.channels, mid, kernel, padding=kernel // 2, bias=False),
                                     nn.GroupNorm(groups, mid), nn.ReLU(inplace=True))
        self.dropout = nn.Dropout2d(dropout) if dropout else nn.Identity()
        nn.init.kaiming_normal_(self.squeeze[0].weight, mode="fan_out", nonlinearity="relu")
        nn.init.normal_(self.conv_seg.weight, 0.0, 0.01)
        nn.init.zeros_(self.conv_seg.bias)
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.conv_seg(self.dropout(self.squeeze(x)))
