"""ResNet BasicBlock stages (ResNet-18 / ResNet-34), taking the stem output as input.

Deep Residual Learning for Image Recognition, He et al., CVPR 2016, arXiv:1512.03385.
Shared by three networks, so the official variations are kwargs (defaults = torchvision):
- `strides`: per-stage strides. torchvision uses (1, 2, 2, 2); FANet (arXiv:2007.03815) uses
  (2, 2, 2, 2), its "extra spatial reduction" of Res-1 (specs/fanet.md §2.1).
- `act`: activation after the first BN inside each block. FANet's official code uses LeakyReLU
  there (and after its stem) while keeping ReLU after the residual add (`add_act`).
- `dilate_last`: dilation of the SECOND 3x3 conv of every layer4 block, stride unchanged, as in
  GAIN's "dilated" configs (specs/gain.md §3.1).
- A 1x1 conv+BN projection shortcut appears whenever a block changes stride or channels, so
  FANet's strided layer1 and GAIN's 128-channel deep stem get one in layer1's first block
  (neither has an ImageNet counterpart in the official code).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register

DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}


class BasicBlock(nn.Module):
    """3x3 conv-BN-act -> 3x3 conv-BN, plus the (projected) input, then `add_act`."""

    def __init__(self, cin: int, cout: int, stride: int = 1, *, dilation: int = 1, act: str = "relu",
                 add_act: str = "relu"):
        super().__init__()
        self.conv1 = ConvBNAct(cin, cout, 3, stride, act=act)
        self.conv2 = ConvBNAct(cout, cout, 3, 1, dilation=dilation, act=None)
        self.shortcut = (ConvBNAct(cin, cout, 1, stride, act=None) if stride != 1 or cin != cout
                         else nn.Identity())
        self.act = make_act(add_act)

    def forward(self, x):
        return self.act(self.conv2(self.conv1(x)) + self.shortcut(x))


@register(Role.BACKBONE, "resnet", paper="Deep Residual Learning for Image Recognition (arXiv:1512.03385)")
class ResNet(nn.Module):
    """The four BasicBlock stages of ResNet-18/34; returns all four stage features."""

    def __init__(self, x: FeatureSpec, *, depth: int = 18, strides: list = (1, 2, 2, 2),
                 widths: list = (64, 128, 256, 512), act: str = "relu", add_act: str = "relu",
                 dilate_last: int = 1):
        super().__init__()
        if depth not in DEPTHS:
            raise BlockError(f"resnet depth must be one of {', '.join(map(str, DEPTHS))}, got {depth}")
        if len(strides) != 4 or len(widths) != 4:
            raise BlockError(f"resnet needs 4 strides and 4 widths (one per stage), got "
                             f"{len(strides)} strides and {len(widths)} widths")
        if any(s not in (1, 2) for s in strides):
            raise BlockError(f"resnet stage strides must be 1 or 2, got {list(strides)}")
        if dilate_last < 1:
            raise BlockError(f"resnet dilate_last must be >= 1, got {dilate_last}")
        stages, specs = [], []
        cin, stride = x.channels, x.stride
        for i, (repeat, width, s) in enumerate(zip(DEPTHS[depth], widths, strides)):
            dilation = dilate_last if i == 3 else 1
            blocks = [BasicBlock(cin if j == 0 else width, width, s if j == 0 else 1, dilation=dilation,
                                 act=act, add_act=add_act) for j in range(repeat)]
            stages.append(nn.Sequential(*blocks))
            cin, stride = width, stride * s
            specs.append(FeatureSpec(width, stride))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.out_specs = tuple(specs)

    def forward(self, x):
        c1 = self.layer1(x)
        c2 = self.layer2(c1)
        c3 = self.layer3(c2)
        c4 = self.layer4(c3)
        return c1, c2, c3, c4
