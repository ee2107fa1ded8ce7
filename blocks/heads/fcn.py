"""Segmentation heads that end in a 1x1 classifier.

`fcn`: conv3x3 -> BN -> act -> dropout -> 1x1 (the FCN auxiliary head of mmseg and Fast-SCNN's
auxiliary losses, specs/fast_scnn.md §7 row 8). `dsconv`: Fast-SCNN's classifier, n DSConv then
dropout and 1x1 with bias (§2.3e).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct, DSConv
from blocks.registry import FeatureSpec, Role, register


@register(Role.HEAD, "fcn")
class FCNHead(nn.Module):
    """Conv-BN-act (mid channels) -> dropout -> 1x1 conv to classes."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, mid: int = 32, kernel: int = 3,
                 dropout: float = 0.1, act: str = "relu", conv_bias: bool = False, cls_bias: bool = True):
        super().__init__()
        self.body = nn.Sequential(
            ConvBNAct(x.channels, mid, kernel, act=act, bias=conv_bias),
            nn.Dropout2d(dropout) if dropout else nn.Identity(),
            nn.Conv2d(mid, classes, 1, bias=cls_bias),
        )
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.body(x)


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
