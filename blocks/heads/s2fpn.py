"""S²-FPN's heads. S²-FPN: Scale-ware Strip Attention Guided Feature Pyramid Network for Real-time
Semantic Segmentation, Elhassan et al., arXiv:2206.07298 (specs/s2fpn.md §2.1 rows 17 and 19, §3.2 step 7).

`s2fpn`: the segmentation head, a bare 1x1 conv to classes without bias (no BN, no activation).
`s2fpn_aux`: the deep-supervision head of each APF, CBR3x3 (Co -> Co) -> element-wise
Dropout(0.15) -> 1x1 conv without bias. The official aux head builds a BN it never applies
(8*K unused parameters); it is not built here. Its logits are resized to the input with
align_corners=True in the official code; arena's wrapper resizes with align_corners=False.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


@register(Role.HEAD, "s2fpn", paper="S2-FPN (arXiv:2206.07298)")
class S2FPNHead(nn.Module):
    """1x1 conv to classes (bias off by default, as the official code)."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, bias: bool = False):
        super().__init__()
        self.classifier = nn.Conv2d(x.channels, classes, 1, bias=bias)
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.classifier(x)


@register(Role.HEAD, "s2fpn_aux", paper="S2-FPN (arXiv:2206.07298)")
class S2FPNAuxHead(nn.Module):
    """CBR3x3 at the input width -> Dropout -> 1x1 conv to classes without bias."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, mid: int | None = None, dropout: float = 0.15):
        super().__init__()
        mid = mid or x.channels
        self.body = nn.Sequential(ConvBNAct(x.channels, mid, 3), nn.Dropout(dropout),
                                  nn.Conv2d(mid, classes, 1, bias=False))
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.body(x)
