"""Unregistered primitives shared by the blocks: activations, conv-BN-act, depthwise-separable conv.

These are plain building pieces, not swappable slots; registered blocks compose them.
"""
from __future__ import annotations

from torch import nn

ACTIVATIONS = {
    "relu": lambda: nn.ReLU(inplace=True),
    "relu6": lambda: nn.ReLU6(inplace=True),
    "leaky": lambda: nn.LeakyReLU(0.01, inplace=True),  # PyTorch's default slope, as FANet's code
    "hswish": lambda: nn.Hardswish(inplace=True),
    "hsigmoid": lambda: nn.Hardsigmoid(inplace=True),
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,  # exact (erf) form, the transformer MLPs' default
    "none": nn.Identity,
}


def make_act(name: str | None) -> nn.Module:
    """An activation module by name (`None` and "none" give Identity)."""
    if name is None:
        return nn.Identity()
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose from {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


class ConvBNAct(nn.Sequential):
    """Conv2d -> BatchNorm -> activation; the conv has a bias only when there is no BN."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, *, padding: int | None = None,
                 dilation: int = 1, groups: int = 1, act: str | None = "relu", bn: bool = True,
                 bias: bool | None = None):
        if padding is None:
            padding = dilation * (kernel - 1) // 2
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, stride, padding, dilation=dilation,
                                             groups=groups, bias=(not bn) if bias is None else bias)]
        if bn:
            layers.append(nn.BatchNorm2d(cout))
        if act is not None and act != "none":
            layers.append(make_act(act))
        super().__init__(*layers)


class DSConv(nn.Sequential):
    """Depthwise 3x3 -> BN [-> act] -> pointwise 1x1 -> BN -> act.

    `dw_act=None` follows Xception/MobileNetV2/Fast-SCNN: no nonlinearity between the two convs.
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, *, kernel: int = 3, dilation: int = 1,
                 dw_act: str | None = None, act: str | None = "relu"):
        super().__init__(
            ConvBNAct(cin, cin, kernel, stride, dilation=dilation, groups=cin, act=dw_act),
            ConvBNAct(cin, cout, 1, act=act),
        )

