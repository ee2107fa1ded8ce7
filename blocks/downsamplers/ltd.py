"""Learning to Downsample (LtD). Fast-SCNN: Fast Semantic Segmentation Network,
Poudel et al., BMVC 2019, arXiv:1902.04502. No official code exists; this follows the paper
(specs/fast_scnn.md §2.3a): conv3x3 s2, then two DSConv s2 with no activation between the
depthwise and pointwise convs (`dw_act="relu"` reproduces Tramac's reimplementation).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct, DSConv
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "ltd", paper="Fast-SCNN (arXiv:1902.04502)")
class LearningToDownsample(nn.Module):
    """Conv3x3 s2 then DSConv s2 per further factor of 2: Fast-SCNN's shared shallow branch."""

    def __init__(self, x: FeatureSpec, *, factor: int = 8, out: int = 64, widths: list = (32, 48),
                 dw_act: str | None = None):
        super().__init__()
        steps = factor.bit_length() - 1
        if factor < 2 or 2 ** steps != factor:
            raise BlockError(f"ltd needs a power-of-two factor >= 2, got {factor}")
        widths = list(widths)[: steps - 1]
        if len(widths) != steps - 1:
            raise BlockError(f"ltd with factor {factor} needs {steps - 1} intermediate widths, got {len(widths)}")
        chans = [*widths, out]
        layers: list[nn.Module] = [ConvBNAct(x.channels, chans[0], 3, 2)]
        for cin, cout in zip(chans, chans[1:]):
            layers.append(DSConv(cin, cout, 2, dw_act=dw_act))
        self.body = nn.Sequential(*layers)
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.body(x)
