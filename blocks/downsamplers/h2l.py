"""`h2l`: the high-to-low path of DDRNet's bilateral fusion (`down3`, `down4` in the official code).

Deep Dual-resolution Networks for Real-time and Accurate Semantic Segmentation of Road Scenes,
Hong et al., arXiv:2101.06085 (official code ydhongHIT/DDRNet; specs/ddrnet.md §2.4, §3.1). One
3x3 stride-2 conv (no bias) + BN per factor of 2, a ReLU **between** consecutive convs and none after
the last: the result is added to the low branch's pre-activation stage output. It is `df_stem`
without the last activation; registered under its own name so `[h2l=...]` swaps and report labels
say what the node is. The ReLU before the first conv is a separate `op.act` node in the network
file (the high branch's raw output also feeds a sum). Differences from the official code: none.

`preact=True`: RTFormer's injection `down` (arXiv:2210.07124, PaddleSeg `EABlock.down`;
specs/rtformer.md §2.4, §8 A8): BN -> ReLU -> 3x3 s2 conv per factor of 2, nothing after the last
conv, one flat Sequential so the official indices (BN 0, conv 2, BN 3, conv 5) are arena's.
"""
from __future__ import annotations

from torch import nn

from blocks.downsamplers.stems import DFStem
from blocks.layers import make_act
from blocks.registry import FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "h2l", paper="DDRNet (arXiv:2101.06085)")
class H2L(DFStem):
    """One 3x3 s2 conv-BN per factor of 2, ReLU between them, none after the last (DDRNet down3/down4)."""

    last_act = False

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int = 64, width: int = 64, act: str = "relu",
                 preact: bool = False):
        super().__init__(x, factor=factor, out=out, width=width, act=act, bias=False)
        if preact:  # same widths, each conv preceded by BN -> act instead of followed by BN
            chans = [x.channels, width, out] if factor == 4 else [x.channels, out]
            units = [(nn.BatchNorm2d(cin), make_act(act), nn.Conv2d(cin, cout, 3, 2, 1, bias=False))
                     for cin, cout in zip(chans, chans[1:])]
            self.convs = nn.Sequential(*(layer for unit in units for layer in unit))
