"""The FCN head: conv3x3 -> BN -> act -> dropout -> 1x1 classifier.

Fully Convolutional Networks (arXiv:1411.4038), in the form of mmseg's FCN auxiliary head, which
Fast-SCNN's auxiliary losses and FANet's heads use.

`preact=True` puts BN + ReLU on the input before the 3x3 conv: the `segmenthead` of DDRNet
(arXiv:2101.06085) and PIDNet (arXiv:2206.02066), BN(in)-ReLU-3x3-BN-ReLU-1x1, whose inputs are
pre-activation sums (specs/ddrnet.md §2.6). Its BN is created first, as the official `bn1`. `dropout_kind="element"` gives `nn.Dropout`
(BiSeNetV2's official head) instead of the channel-wise `nn.Dropout2d`; equal in eval.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register

DROPOUTS = {"channel": nn.Dropout2d, "element": nn.Dropout}


@register(Role.HEAD, "fcn")
class FCNHead(nn.Module):
    """Conv-BN-act (mid channels) -> dropout -> 1x1 conv to classes."""

    def __init__(self, x: FeatureSpec, *, classes: int = 19, mid: int = 32, kernel: int = 3,
                 dropout: float = 0.1, act: str = "relu", conv_bias: bool = False, cls_bias: bool = True,
                 preact: bool = False, dropout_kind: str = "channel"):
        super().__init__()
        if dropout_kind not in DROPOUTS:
            raise BlockError(f"fcn dropout_kind must be one of {', '.join(DROPOUTS)}, got {dropout_kind!r}")
        self.pre = nn.Sequential(nn.BatchNorm2d(x.channels), make_act(act)) if preact else nn.Identity()
        self.body = nn.Sequential(
            ConvBNAct(x.channels, mid, kernel, act=act, bias=conv_bias),
            DROPOUTS[dropout_kind](dropout) if dropout else nn.Identity(),
            nn.Conv2d(mid, classes, 1, bias=cls_bias),
        )
        self.out_specs = (FeatureSpec(classes, x.stride),)

    def forward(self, x):
        return self.body(self.pre(x))
