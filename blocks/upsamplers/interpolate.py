"""Fixed interpolation upsamplers: bilinear and nearest.

Both resize the deep feature `x` to the guide's size (never a fixed scale factor, so odd input
sizes work). `out` different from x's channels adds a 1x1 conv-BN-ReLU projection, so that any
upsampler can fill a slot whose interface asks for a channel change.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import FeatureSpec, Role, register


class _Interpolate(nn.Module):
    mode = "bilinear"

    def __init__(self, x: FeatureSpec, guide: FeatureSpec, *, out: int | None = None,
                 align_corners: bool = False):
        super().__init__()
        out = out or x.channels
        self.align_corners = align_corners
        self.project = ConvBNAct(x.channels, out, 1) if out != x.channels else nn.Identity()
        self.out_specs = (FeatureSpec(out, guide.stride),)

    def forward(self, x, guide):
        x = self.project(x)  # project first: cheaper at the coarse resolution
        if self.mode == "nearest":
            return F.interpolate(x, size=guide.shape[-2:], mode="nearest")
        return F.interpolate(x, size=guide.shape[-2:], mode=self.mode, align_corners=self.align_corners)


@register(Role.UPSAMPLER, "bilinear")
class Bilinear(_Interpolate):
    """Bilinear interpolation to the guide's size (align_corners is a kwarg; default False)."""

    mode = "bilinear"


@register(Role.UPSAMPLER, "nearest")
class Nearest(_Interpolate):
    """Nearest-neighbour interpolation to the guide's size."""

    mode = "nearest"
