"""Transposed-convolution upsampler (learned deconvolution). Fully Convolutional Networks for
Semantic Segmentation, Long, Shelhamer & Darrell, CVPR 2015, arXiv:1411.4038 (in-network
upsampling as backwards-strided convolution).

For an integer scale s = x.stride // guide.stride (a power of two) the kernel is 2s (3 when s = 1),
with the padding and output padding that give exactly s*H x s*W. FCN's official Caffe nets use
unpadded deconvolutions followed by a Crop layer; the padding here plays that crop's role with a
fixed offset. Biases: none before BN. `groups` has the usual grouped-conv meaning;
`depthwise=True` first projects to `out` channels with a 1x1 conv-BN-ReLU (at the coarse
resolution, where it is cheap) and then runs one deconv filter per channel. `bn`/`act` set the
BatchNorm and activation after the deconv (default BN + ReLU; `bn=False` restores a conv bias).

Sizes: s*H can differ from the guide's size when the network input is not divisible by its total
stride. `fit="crop"` (default) crops the overhang at the bottom/right (or zero-pads a shortfall),
which costs no arithmetic; `fit="resize"` resizes bilinearly to the guide instead. A resize on
every call would be an identity at divisible sizes yet every MAC counter charges it (fvcore: 4 MACs
per output element), which would bias a cost ablation against this block.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.upsamplers._common import check_fit, fit_to_guide, upsample_scale

def deconv_geometry(s: int, kernel: int) -> tuple[int, int]:
    """Padding and output padding so that ConvTranspose2d(kernel, stride=s) maps H to exactly s*H."""
    # out = (H - 1) s - 2p + k + op = s H  <=>  2p - op = k - s, with 0 <= op < s.
    padding = -(-(kernel - s) // 2)
    output_padding = 2 * padding - (kernel - s)
    if kernel < s or output_padding >= s:
        raise BlockError(f"deconv kernel {kernel} cannot upsample by exactly {s} "
                         f"(needs kernel >= scale, and an odd kernel when the scale is 1)")
    return padding, output_padding


@register(Role.UPSAMPLER, "deconv", paper="Fully Convolutional Networks for Semantic Segmentation (arXiv:1411.4038)")
class Deconv(nn.Module):
    """Learned transposed convolution, kernel 2s and stride s, sized to the guide."""

    def __init__(self, x: FeatureSpec, guide: FeatureSpec, *, out: int | None = None, kernel: int | None = None,
                 groups: int = 1, depthwise: bool = False, bn: bool = True, act: str | None = "relu",
                 fit: str = "crop"):
        super().__init__()
        out = out or x.channels
        s = upsample_scale(x, guide, "deconv", power_of_two=True)
        kernel = kernel or (2 * s if s > 1 else 3)
        padding, output_padding = deconv_geometry(s, kernel)
        self.fit = check_fit(fit, "deconv")
        cin = x.channels
        if depthwise:
            self.project = ConvBNAct(cin, out, 1) if out != cin else nn.Identity()
            cin, groups = out, out
        else:
            self.project = nn.Identity()
            if cin % groups or out % groups:
                raise BlockError(f"deconv groups={groups} must divide both {cin} input and {out} output channels")
        self.deconv = nn.ConvTranspose2d(cin, out, kernel, s, padding, output_padding, groups=groups, bias=not bn)
        self.bn = nn.BatchNorm2d(out) if bn else nn.Identity()
        self.act = make_act(act)
        self.out_specs = (FeatureSpec(out, guide.stride),)

    def forward(self, x, guide):
        y = self.act(self.bn(self.deconv(self.project(x))))  # (B, out, s*h, s*w)
        return fit_to_guide(y, guide, self.fit)
