"""MobileNetV2 inverted-residual stages as used by Fast-SCNN's Global Feature Extractor.
Fast-SCNN (arXiv:1902.04502) §3.2.2 and Table 2; MobileNetV2 (arXiv:1801.04381).
Fast-SCNN uses ReLU, not ReLU6 (`act="relu6"` gives MobileNetV2's choice).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


class InvertedResidual(nn.Module):
    """1x1 expand -> depthwise 3x3 (stride) -> linear 1x1 project; residual when shapes match."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int, act: str = "relu"):
        super().__init__()
        hidden = cin * expand
        self.body = nn.Sequential(
            ConvBNAct(cin, hidden, 1, act=act),
            ConvBNAct(hidden, hidden, 3, stride, groups=hidden, act=act),
            ConvBNAct(hidden, cout, 1, act=None),
        )
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


@register(Role.BACKBONE, "bottlenecks", paper="Fast-SCNN (arXiv:1902.04502)")
class Bottlenecks(nn.Module):
    """Stages of MobileNetV2 bottlenecks; returns the last stage's feature."""

    def __init__(self, x: FeatureSpec, *, widths: list = (64, 96, 128), repeats: list = (3, 3, 3),
                 strides: list = (2, 2, 1), expand: int = 6, act: str = "relu"):
        super().__init__()
        if not len(widths) == len(repeats) == len(strides):
            raise BlockError(f"bottlenecks: widths, repeats and strides must have one entry per stage, got "
                             f"{len(widths)}, {len(repeats)} and {len(strides)}")
        layers, cin, stride = [], x.channels, x.stride
        for width, repeat, s in zip(widths, repeats, strides):
            for i in range(repeat):
                layers.append(InvertedResidual(cin, width, s if i == 0 else 1, expand, act))
                cin = width
            stride *= s
        self.body = nn.Sequential(*layers)
        self.out_specs = (FeatureSpec(cin, stride),)

    def forward(self, x):
        return self.body(x)
