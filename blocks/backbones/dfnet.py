"""DFNetV2 ("DF2") backbone. Partial Order Pruning: for Best Speed/Accuracy Trade-off in Neural
Architecture Search, Li et al., CVPR 2019, arXiv:1903.03777; in the form GAIN uses (official code
hustvl/simpleseg `backbone/dfnet.py`; specs/gain.md §3.2). Built from ResNet BasicBlocks.

The stem (stage 1: two 3x3 s2 convs, 3->32->64) is the separate node `downsampler.df_stem`, so this
block takes the stride-4 stem output. Stages, each "a" part starting with a strided block:
stage2 = 2x64 (s2) + 1x128 -> C3; stage3 = 10x128 (s2) + 1x256 -> C4; stage4 = 4x256 (s2) + 2x512
-> C5. Returns (C3, C4, C5). A 1x1 conv-BN projection shortcut appears when a block changes stride
or channels, as in the official `_make_layer`.

Differences from the official code: none for the defaults. The official `stride=64` option (a
strided stage 4b) is `strides=(2, 2, 2)` extended per stage here: `strides` are the first-block
strides of stages 2, 3, 4.
"""
from __future__ import annotations

from torch import nn

from blocks.backbones.resnet import BasicBlock
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.BACKBONE, "dfnetv2", paper="DFNet / Partial Order Pruning (arXiv:1903.03777)")
class DFNetV2(nn.Module):
    """Three BasicBlock stages (each a wide-then-widening pair of layers); returns C3, C4, C5."""

    def __init__(self, x: FeatureSpec, *, strides: list = (2, 2, 2), widths: list = (64, 128, 128, 256, 256, 512),
                 repeats: list = (2, 1, 10, 1, 4, 2)):
        super().__init__()
        if len(strides) != 3 or any(s not in (1, 2) for s in strides):
            raise BlockError(f"dfnetv2 needs 3 stage strides of 1 or 2, got {list(strides)}")
        if len(widths) != 6 or len(repeats) != 6:
            raise BlockError(f"dfnetv2 needs 6 widths and 6 repeats (two layers per stage), got "
                             f"{len(widths)} and {len(repeats)}")
        stages, specs = [], []
        cin, stride = x.channels, x.stride
        for i, s in enumerate(strides):
            layers = []
            for width, repeat, first_stride in ((widths[2 * i], repeats[2 * i], s),
                                                (widths[2 * i + 1], repeats[2 * i + 1], 1)):
                for j in range(repeat):
                    layers.append(BasicBlock(cin, width, first_stride if j == 0 else 1))
                    cin = width
            stride *= s
            stages.append(nn.Sequential(*layers))
            specs.append(FeatureSpec(cin, stride))
        self.stage2, self.stage3, self.stage4 = stages
        self.out_specs = tuple(specs)

    def forward(self, x):
        c3 = self.stage2(x)
        c4 = self.stage3(c3)
        c5 = self.stage4(c4)
        return c3, c4, c5
