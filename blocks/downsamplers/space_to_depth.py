"""Space-to-depth downsampler: PixelUnshuffle(factor) then a 1x1 conv-BN-ReLU to `out` channels.

The inverse of sub-pixel convolution (ESPCN, Shi et al., CVPR 2016, arXiv:1609.05158); used as a
lossless stem in e.g. TResNet (arXiv:2003.13630). Every input pixel reaches the output (no
stride skips any), and all learned arithmetic runs at the output resolution.

Sizes not divisible by `factor` are zero-padded at the bottom/right first (`pad=True`), which gives
the ceil(H / factor) size a padded strided conv would; `pad=False` requires divisible sizes.
`out=None` keeps the input's channel count (the 1x1 conv then maps C*factor^2 back to C), so the
block fits downsampler slots that do not name a width.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "space_to_depth", paper="ESPCN (arXiv:1609.05158), inverted")
class SpaceToDepth(nn.Module):
    """Rearrange each factor x factor patch into channels, then mix them with a 1x1 conv-BN-ReLU."""

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int | None = None, act: str | None = "relu",
                 pad: bool = True):
        super().__init__()
        if factor < 1:
            raise BlockError(f"space_to_depth needs a factor >= 1, got {factor}")
        wide = x.channels * factor * factor
        out = out or x.channels  # None keeps the width, like the other downsamplers (swap-compatible)
        self.factor, self.pad = factor, pad
        self.unshuffle = nn.PixelUnshuffle(factor)
        self.mix = ConvBNAct(wide, out, 1, act=act)
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        if self.pad:
            f = self.factor
            x = F.pad(x, (0, -x.shape[-1] % f, 0, -x.shape[-2] % f))  # to a multiple of factor
        return self.mix(self.unshuffle(x))  # (B, C*f*f, H/f, W/f) -> (B, out, H/f, W/f)
