"""CARAFE: Content-Aware ReAssembly of FEatures, Wang et al., ICCV 2019, arXiv:1905.02188.

Kernel prediction: 1x1 channel compressor C -> c_mid, a k_enc x k_enc content encoder to
G * k_up^2 * s^2 channels (one k_up x k_up kernel per output pixel and group), softmax over each
kernel. Reassembly: output pixel (s*h + i, s*w + j) is the kernel-weighted sum of the k_up x k_up
neighbourhood of x around (h, w) (zero outside the map). Defaults are the paper's (k_up=5,
k_enc=3, c_mid=64, one group). Any integer scale works.

Differences from the official code (mmcv's CUDA `carafe` op inside `CARAFEPack`): pure torch, the
reassembly is `F.unfold` plus one `einsum` at the coarse resolution (memory C*k_up^2*h*w, not
times s^2), so it runs on CPU, traces, and MAC counters see its C*k_up^2*s^2*h*w multiply-adds.
The encoder's output channels follow mmcv's pixel-shuffle order (group, kernel tap, sub-pixel row, column).
Initialization follows mmcv (encoder weights N(0, 0.001), zero bias: kernels start almost uniform).
`out` != x's channels adds a 1x1 conv-BN-ReLU before CARAFE (cheaper at the coarse resolution).
Sizes are fitted to the guide as in `upsampler.deconv` (`fit`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.upsamplers._common import check_fit, fit_to_guide, upsample_scale


@register(Role.UPSAMPLER, "carafe", paper="CARAFE (arXiv:1905.02188)")
class CARAFE(nn.Module):
    """Content-aware reassembly: a predicted, softmax-normalized k_up x k_up kernel per output pixel."""

    def __init__(self, x: FeatureSpec, guide: FeatureSpec, *, out: int | None = None, k_up: int = 5,
                 k_enc: int = 3, c_mid: int = 64, groups: int = 1, fit: str = "crop"):
        super().__init__()
        out = out or x.channels
        self.scale = upsample_scale(x, guide, "carafe")
        for name, k in (("k_up", k_up), ("k_enc", k_enc)):
            if k < 1 or k % 2 == 0:
                raise BlockError(f"carafe {name} must be odd and positive, got {k}")
        if groups < 1 or out % groups:
            raise BlockError(f"carafe groups={groups} must divide the {out} channels it reassembles")
        self.k_up, self.groups = k_up, groups
        self.fit = check_fit(fit, "carafe")
        self.project = ConvBNAct(x.channels, out, 1) if out != x.channels else nn.Identity()
        self.compressor = nn.Conv2d(out, c_mid, 1)
        self.encoder = nn.Conv2d(c_mid, groups * k_up * k_up * self.scale ** 2, k_enc, padding=k_enc // 2)
        nn.init.normal_(self.encoder.weight, std=0.001)
        nn.init.zeros_(self.encoder.bias)
        self.out_specs = (FeatureSpec(out, guide.stride),)

    def forward(self, x, guide):
        x = self.project(x)
        b, c, h, w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
        s, g, kk = self.scale, self.groups, self.k_up * self.k_up
        kernels = self.encoder(self.compressor(x))  # (B, G*kk*s*s, h, w), pixel-shuffle channel order
        kernels = kernels.view(b, g, kk, s, s, h, w).softmax(dim=2)  # normalized over each kernel
        patches = F.unfold(x, self.k_up, padding=self.k_up // 2)  # (B, C*kk, h*w)
        patches = patches.view(b, g, c // g, kk, h, w)
        y = torch.einsum("bgckhw,bgkijhw->bgchiwj", patches, kernels)  # (B, G, C/G, h, s, w, s)
        y = y.reshape(b, c, h * s, w * s)
        return fit_to_guide(y, guide, self.fit)
