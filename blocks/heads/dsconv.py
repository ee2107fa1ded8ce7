"""Fast-SCNN's classifier: n depthwise-separable convs, dropout, then a 1x1 conv with bias.

Fast-SCNN: Fast Semantic Segmentation Network, Poudel et al., BMVC 2019, arXiv:1902.04502
(the classifier of the paper's Table 1). With `n=0` it is a single 1x1 conv with bias, SGCPNet's
classifier.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import DSConv
from blocks.registry import FeatureSpec, Role, register


@register(Role.HEAD, "dsconv", paper="Fast-SCNN (arXiv:1902.04502)")
class DSConvHead(nn.Module):
    """`n` depthwise-separable convs -> dropout -> 1x1 conv (with bias) to classes."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, n: int = 2, width: int | None = None,
                 dropout: float = 0.1, dw_act: str | None = None):
        super().__init__()
        width = width or x.channels
        convs = [DSConv(x.channels if i == 0 else width, width, dw_act=dw_act) for i in range(n)]
        self.body = nn.Sequential(*convs, nn.Dropout(dropout) if dropout else nn.Identity(),
                                  nn.Conv2d(width if n else x.channels, classes, 1))
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.body(x)
