"""Bilateral Guided Aggregation (BGA). BiSeNet V2: Bilateral Network with Guided Aggregation for
Real-time Semantic Segmentation, Yu et al., IJCV 2021, arXiv:2004.02147; reference code
CoinCheung/BiSeNet `BGALayer` (specs/bisenetv2.md §2.3, §3.3).

With d the detail feature (stride s) and c the semantic one (stride 4s):
  left  = W1x1 BN(DW3x3(d)) * sigmoid(up(BN(Conv3x3(c))))            at stride s
  right = up(AvgPool3x3s2(BN(Conv3x3s2(d))) * sigmoid(W1x1 BN(DW3x3(c))))
  out   = ReLU(BN(Conv3x3(left + right)))
The two gates need the semantic feature at its own stride (a 3x3 conv runs there before each
upsampling), so, unlike the other fusions, this block takes it un-upsampled, as its second input,
and does its two x4 feature interpolations itself with the block argument `up` (an upsampler, to
the detail feature's size): `--swap upsampler=...` reaches both. Inputs keep the reference order
(detail, semantic) so the output is at the first input's stride.

Differences from the reference code: none for the defaults. Its `nn.Upsample(scale_factor=4)`
(nearest) is `up=upsampler.nearest` to the detail size, identical at input sizes that are multiples
of 32 and defined at any size. The paper draws bilinear upsampling (`up=upsampler.bilinear`), and
has no ReLU after the final conv (`act=None`; the reference marks it "not shown in paper").
`left2`'s average pool counts the padding (PyTorch's default), as the reference.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import make_act
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, register


@register(Role.FUSION, "bga", paper="BiSeNet V2 (arXiv:2004.02147)")
class BilateralGuidedAggregation(nn.Module):
    """Detail and semantic features gate each other at both strides; sum; 3x3 conv-BN-ReLU."""

    example_specs = (FeatureSpec(32, 8), FeatureSpec(32, 32))  # the semantic input at 4x the detail stride
    upsamples_inside = True  # the builder lets its inputs differ in stride (DESIGN's fusions take one stride)

    def __init__(self, detail: FeatureSpec, semantic: FeatureSpec, *, out: int | None = None,
                 up: BlockRef = BlockRef(Role.UPSAMPLER, "nearest"), act: str | None = "relu"):
        super().__init__()
        if semantic.stride != 4 * detail.stride:
            raise BlockError(f"bga takes (detail, semantic) with the semantic feature at 4x the detail stride "
                             f"(it downsamples the detail by 4 itself), got strides {detail.stride} and "
                             f"{semantic.stride}")
        cd, cs = detail.channels, semantic.channels
        out = out or cd
        self.left1 = nn.Sequential(nn.Conv2d(cd, cd, 3, 1, 1, groups=cd, bias=False), nn.BatchNorm2d(cd),
                                   nn.Conv2d(cd, cd, 1, bias=False))
        self.left2 = nn.Sequential(nn.Conv2d(cd, cd, 3, 2, 1, bias=False), nn.BatchNorm2d(cd), nn.AvgPool2d(3, 2, 1))
        self.right1 = nn.Sequential(nn.Conv2d(cs, cd, 3, 1, 1, bias=False), nn.BatchNorm2d(cd))
        self.right2 = nn.Sequential(nn.Conv2d(cs, cs, 3, 1, 1, groups=cs, bias=False), nn.BatchNorm2d(cs),
                                    nn.Conv2d(cs, cd, 1, bias=False))
        coarse, fine = FeatureSpec(cd, semantic.stride), FeatureSpec(cd, detail.stride)
        self.up1 = up.build(coarse, fine)
        self.up2 = up.build(coarse, fine)
        if tuple(self.up1.out_specs) != (fine,):
            raise BlockError(f"bga: its upsampler {up} must keep {cd} channels and reach stride {detail.stride}")
        self.conv = nn.Sequential(nn.Conv2d(cd, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), make_act(act))
        self.out_specs = (FeatureSpec(out, detail.stride),)

    def forward(self, detail, semantic):
        left = self.left1(detail) * torch.sigmoid(self.up1(self.right1(semantic), detail))
        right = self.up2(self.left2(detail) * torch.sigmoid(self.right2(semantic)), detail)
        return self.conv(left + right)
