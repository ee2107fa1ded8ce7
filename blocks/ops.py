"""Plain layers registered under the `op` role so network files can use them between blocks.

They are not swappable slots; `op.cbr` and `op.dsconv` wrap the primitives of `blocks.layers`.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct, DSConv
from blocks.registry import FeatureSpec, Role, register


@register(Role.OP, "cbr")
class CBR(nn.Module):
    """Conv -> BatchNorm -> activation (bias only without BN)."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, kernel: int = 3, stride: int = 1,
                 dilation: int = 1, groups: int = 1, act: str = "relu", bn: bool = True, bias: bool | None = None):
        super().__init__()
        out = out or x.channels
        self.body = ConvBNAct(x.channels, out, kernel, stride, dilation=dilation, groups=groups, act=act,
                              bn=bn, bias=bias)
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        return self.body(x)


@register(Role.OP, "dsconv")
class DSConvOp(nn.Module):
    """Depthwise-separable conv (no activation between depthwise and pointwise by default)."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, stride: int = 1, dilation: int = 1,
                 dw_act: str | None = None, act: str = "relu"):
        super().__init__()
        out = out or x.channels
        self.body = DSConv(x.channels, out, stride, dilation=dilation, dw_act=dw_act, act=act)
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        return self.body(x)
