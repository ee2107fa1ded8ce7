"""BiSeNetV2's booster (auxiliary) head, as the reference code builds it. BiSeNet V2: Bilateral
Network with Guided Aggregation for Real-time Semantic Segmentation, Yu et al., IJCV 2021,
arXiv:2004.02147; reference code CoinCheung/BiSeNet `SegmentHead(..., aux=True)` (specs/bisenetv2.md
§2.5): 3x3 conv-BN-ReLU to `mid` -> Dropout (element-wise) -> nearest x2 -> 3x3 conv-BN-ReLU to `mid2`
-> 1x1 conv with bias to classes. The network wrapper resizes the logits to the input (bilinear),
which is the reference's final x(stride/2) upsampling.

Differences from the reference code: none for the defaults. `mid2=None` is the input stride squared
(16/64/256/1024 for strides 4..32), a relic of a PixelShuffle design that the reference keeps. The
inner x2 makes the logits come out at half the input's stride (declared so). The paper's booster
is a plain FCN head (`inner_up=None, mid2=<mid>`: 3x3 CBR -> 1x1, logits at the input's stride).
Training only: the loss weight is the DSL's `aux=` (1.0 in the reference).
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register

INNER_UPS = ("nearest", None)


@register(Role.HEAD, "booster", paper="BiSeNet V2 (arXiv:2004.02147)")
class BoosterHead(nn.Module):
    """3x3 CBR -> dropout -> [nearest x2 -> 3x3 CBR] -> 1x1 to classes."""

    example_kwargs = {"inner_up": None}  # the registry contract's head keeps its input stride; the default halves it

    def __init__(self, x: FeatureSpec, *, classes: int = 19, mid: int = 128, mid2: int | None = None,
                 dropout: float = 0.1, inner_up: str | None = "nearest"):
        super().__init__()
        if inner_up not in INNER_UPS:
            raise BlockError(f"booster inner_up must be 'nearest' or None, got {inner_up!r}")
        if inner_up and x.stride < 2:
            raise BlockError(f"booster with inner_up upsamples x2: its input needs stride >= 2, got {x.stride}")
        mid2 = mid2 or (x.stride ** 2 if inner_up else mid)
        self.conv = ConvBNAct(x.channels, mid, 3)
        self.drop = nn.Dropout(dropout) if dropout else nn.Identity()
        self.inner_up = inner_up
        self.conv2 = ConvBNAct(mid, mid2, 3) if inner_up else nn.Identity()
        self.cls = nn.Conv2d(mid2 if inner_up else mid, classes, 1)
        self.out_specs = (FeatureSpec(classes, x.stride // 2 if inner_up else x.stride),)

    def forward(self, x):
        x = self.drop(self.conv(x))
        if self.inner_up:
            x = self.conv2(F.interpolate(x, scale_factor=2.0, mode="nearest"))  # (B, mid, 2H, 2W)
        return self.cls(x)
