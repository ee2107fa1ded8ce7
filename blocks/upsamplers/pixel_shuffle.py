"""Sub-pixel convolution upsampler. Real-Time Single Image and Video Super-Resolution Using an
Efficient Sub-Pixel Convolutional Neural Network, Shi et al., CVPR 2016, arXiv:1609.05158 (ESPCN).

A convolution at the coarse resolution predicts out*s^2 channels and PixelShuffle(s) rearranges
them into an s-times larger map: all arithmetic happens at the low resolution. ESPCN's last layer
is a 3x3 conv with bias and no normalization; here the kernel defaults to 1x1 (the cheapest
learned upsampler to compare against), `kernel=3` gives ESPCN's layer. `init="icnr"` (Aitken et
al., arXiv:1707.02937: every group of s^2 sub-pixel filters starts equal, so the layer starts as a
nearest-neighbour upsampler without checkerboard artefacts) is a recommended departure, not the
default. Sizes are fitted to the guide as in `upsampler.deconv` (`fit`).
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import make_act
from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.upsamplers._common import check_fit, fit_to_guide, upsample_scale


@register(Role.UPSAMPLER, "pixel_shuffle", paper="ESPCN (arXiv:1609.05158)")
class PixelShuffleUp(nn.Module):
    """Conv to out*s^2 channels at the coarse resolution, then PixelShuffle(s)."""

    def __init__(self, x: FeatureSpec, guide: FeatureSpec, *, out: int | None = None, kernel: int = 1,
                 bn: bool = False, act: str | None = None, init: str = "default", fit: str = "crop"):
        super().__init__()
        out = out or x.channels
        s = upsample_scale(x, guide, "pixel_shuffle")
        if kernel < 1 or kernel % 2 == 0:
            raise BlockError(f"pixel_shuffle kernel must be odd and positive, got {kernel}")
        if init not in ("default", "icnr"):
            raise BlockError(f"pixel_shuffle init must be 'default' or 'icnr', got {init!r}")
        self.fit = check_fit(fit, "pixel_shuffle")
        self.conv = nn.Conv2d(x.channels, out * s * s, kernel, padding=kernel // 2, bias=not bn)
        if init == "icnr":
            self._icnr(s)
        self.shuffle = nn.PixelShuffle(s)
        self.bn = nn.BatchNorm2d(out) if bn else nn.Identity()
        self.act = make_act(act)
        self.out_specs = (FeatureSpec(out, guide.stride),)

    @torch.no_grad()
    def _icnr(self, s: int) -> None:
        # PixelShuffle reads output channel c at sub-pixel (i, j) from input channel c*s^2 + i*s + j,
        # so repeating each base filter s^2 times in a row makes all sub-pixels of c equal.
        w = self.conv.weight  # (out*s^2, cin, k, k)
        base = torch.empty(w.shape[0] // (s * s), *w.shape[1:])
        nn.init.kaiming_uniform_(base, a=5 ** 0.5)  # nn.Conv2d's own default init
        w.copy_(base.repeat_interleave(s * s, dim=0))
        if self.conv.bias is not None:
            b = self.conv.bias.view(-1, s * s)  # (out, s^2)
            b.copy_(b[:, :1].expand_as(b))

    def forward(self, x, guide):
        y = self.shuffle(self.conv(x))  # (B, out*s^2, h, w) -> (B, out, s*h, s*w)
        return fit_to_guide(self.act(self.bn(y)), guide, self.fit)
