"""Convolutional stems: the first downsampling of a network, one family.

`resnet_stem`: the ResNet stem, 7x7 s2 conv -> BN -> act -> 3x3 s2 max-pool.

Deep Residual Learning for Image Recognition, He et al., CVPR 2016, arXiv:1512.03385.
Variations used by the arena networks (defaults = torchvision):
- `act="leaky"`: FANet's official code (arXiv:2007.03815) puts LeakyReLU(0.01) after the stem BN.
- `factor=2` drops the max-pool: S2-FPN's 34M variant feeds the stride-2 conv output to layer1
  (specs/s2fpn.md §2; the official code still computes the pool and discards it, which costs
  no parameters and which fvcore does not count).

`deep_stem`: Bag of Tricks for Image Classification with Convolutional Neural Networks (ResNet-C),
He et al., arXiv:1812.01187, in the "resnet18-deep-inplane128" form GAIN uses (Cross-Layer
Attentive Feature Upsampling for Low-latency Semantic Segmentation, arXiv:2601.01167; official code
hustvl/simpleseg; specs/gain.md §3.1): 3x3 s2 (3->64), 3x3 (64->64), 3x3 (64->128), each conv
(no bias) + BN + ReLU, then 3x3 s2 max-pool. `factor=2` drops the pool.

`df_stem`: Partial Order Pruning: for Best Speed/Accuracy Trade-off in Neural Architecture Search
(DFNet), Li et al., CVPR 2019, arXiv:1903.03777; DFNetV2's stage 1 as in hustvl/simpleseg
(specs/gain.md §3.2): 3x3 s2 (3->32) and 3x3 s2 (32->64), each conv (no bias) + BN + ReLU.
`factor=2` keeps only the first conv (its width is then `out`). `bias=True` gives each conv a bias
before its BN, as the stems of DDRNet (arXiv:2101.06085) and PIDNet (arXiv:2206.02066) have in their
official code (`conv1.0`, `conv1.3`: +2 x width parameters).

Differences from the official code: none for the defaults.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "resnet_stem", paper="Deep Residual Learning for Image Recognition (arXiv:1512.03385)")
class ResNetStem(nn.Module):
    """7x7 s2 conv-BN-act, then (factor 4) a 3x3 s2 max-pool."""

    def __init__(self, x: FeatureSpec, *, factor: int = 4, out: int = 64, act: str = "relu"):
        super().__init__()
        if factor not in (2, 4):
            raise BlockError(f"resnet_stem supports factor 4 (conv + max-pool) or 2 (conv only), got {factor}")
        self.conv = ConvBNAct(x.channels, out, 7, 2, act=act)
        self.pool = nn.MaxPool2d(3, 2, 1) if factor == 4 else nn.Identity()
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.pool(self.conv(x))


@register(Role.DOWNSAMPLER, "deep_stem", paper="Bag of Tricks / ResNet-C deep stem (arXiv:1812.01187)")
class DeepStem(nn.Module):
    """Three 3x3 conv-BN-ReLU (the first strided) then (factor 4) a 3x3 s2 max-pool."""

    def __init__(self, x: FeatureSpec, *, factor: int = 4, out: int = 128, widths: list = (64, 64),
                 act: str = "relu"):
        super().__init__()
        if factor not in (2, 4):
            raise BlockError(f"deep_stem supports factor 4 (convs + max-pool) or 2 (convs only), got {factor}")
        chans = [x.channels, *widths, out]
        self.convs = nn.Sequential(*(ConvBNAct(cin, cout, 3, 2 if i == 0 else 1, act=act)
                                     for i, (cin, cout) in enumerate(zip(chans, chans[1:]))))
        self.pool = nn.MaxPool2d(3, 2, 1) if factor == 4 else nn.Identity()
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.pool(self.convs(x))


@register(Role.DOWNSAMPLER, "df_stem", paper="DFNet / Partial Order Pruning (arXiv:1903.03777)")
class DFStem(nn.Module):
    """One 3x3 s2 conv-BN-ReLU per factor of 2 (DFNetV2: 3->32->64 at factor 4)."""

    last_act = True  # False (downsampler.h2l): no activation after the last conv

    def __init__(self, x: FeatureSpec, *, factor: int = 4, out: int = 64, width: int = 32, act: str = "relu",
                 bias: bool = False):
        super().__init__()
        if factor not in (2, 4):
            raise BlockError(f"{self.block_name} supports factor 4 (two s2 convs) or 2 (one), got {factor}")
        chans = [x.channels, width, out] if factor == 4 else [x.channels, out]
        n = len(chans) - 1
        self.convs = nn.Sequential(*(ConvBNAct(cin, cout, 3, 2, act=act if i < n - 1 or self.last_act else None,
                                               bias=bias) for i, (cin, cout) in enumerate(zip(chans, chans[1:]))))
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.convs(x)
