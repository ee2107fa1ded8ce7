"""Plain layers registered under the `op` role, so network files can use them between blocks.

They are not swappable slots (`--swap fusion=...` leaves them in place). `op.cbr` and `op.dsconv`
wrap the primitives of `blocks.layers`; the others are layers a published network needs verbatim:

`op.fanet_up`: the `up` branch of FANet's top-down path. Real-time Semantic Segmentation with Fast
Attention, Hu et al., RA-L 2021, arXiv:2007.03815 (official code feinanshan/FANet,
`LAFeatureFusionModule.up`). After a stage's attention output has been summed with the coarser
stage, a 1x1 conv-BN-act halves its channels before it is upsampled onto the next finer stage.
Official quirk kept as the default: the 1x1 conv has padding=1 (`up_padding=1`), so its output is
(H+2)x(W+2) with a constant ring; the following bilinear resize to the finer stage hides the size
but not the ring or the half-pixel misalignment. `up_padding=0` gives the clean 1x1 that the FANet
spec recommends.

`op.act`: an activation as a node, never in place. DDRNet (arXiv:2101.06085) and PIDNet
(arXiv:2206.02066) sum pre-activation stage outputs and ReLU them only where a conv reads them, so
one raw tensor feeds both a sum and, through the ReLU, a conv (specs/ddrnet.md §2.4).

`op.linear`: a Linear applied to every pixel (a 1x1 conv with bias) whose weight is held as
`nn.Linear`'s (out, in), so official token-layout Linear weights load as they are: SegFormer's
decoder projections `linear_c{i}.proj` (arXiv:2105.15203, specs/segformer.md §2.5).

`op.dwc_embed`, `op.restore`: AFFormer's patch embedding (`DWCPatchEmbed`: k x k depthwise conv,
stride 1, 2 or 4, no bias -> 1x1 pointwise, no bias -> BN -> Hardswish) and its pixel-path
bottleneck (`Restore`: 1x1 conv-BN-act to C/2 -> 3x3 depthwise, no bias -> BN -> act -> 1x1
conv-BN to C, plus the input). Head-Free Lightweight Semantic Segmentation with Linear Transformer
(arXiv:2301.04648), official dongbo811/AFFormer `tools/afformer.py` (specs/afformer.md §2.3-2.4).
`op.brc`: BN -> ReLU -> conv, RTFormer's pre-activation compression (arXiv:2210.07124), where DDRNet's
is conv -> BN on a ReLU'd copy (specs/rtformer.md §8 A7).

`op.lateral`: BiFPN's channel adapter (EfficientDet, arXiv:1911.09070) as SGCPNet's official code
uses it (arXiv:2005.11034): a 1x1 conv with bias -> BN with eps 1e-3 and momentum 0.01 (`op.cbr`
has PyTorch's BN defaults).

`op.split`: channel chunks of one feature, a multi-output op (TopFormer's split of the transformer
output into per-scale chunks, arXiv:2204.05525; an unused chunk is allowed).

`op.ppa`: TopFormer's `PyramidPoolAgg` (specs/topformer.md §2.3): every input adaptive-average-pooled
to the last (coarsest) input's size divided by `stride`, rounded up, then concatenated in input order.
An op, not a fusion: its output sits at a coarser stride than any input (a fusion keeps its first
input's stride), and it has nothing to swap. `F.adaptive_avg_pool2d` as the official code (fvcore
counts it; overlapping windows at sizes that are not multiples of 64).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct, DSConv, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.OP, "cbr")
class CBR(nn.Module):
    """Conv -> BatchNorm -> activation (bias only without BN)."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, kernel: int = 3, stride: int = 1,
                 dilation: int = 1, groups: int = 1, act: str = "relu", bn: bool = True, bias: bool | None = None):
        super().__init__()
        out = out or x.channels
        self.body = ConvBNAct(x.channels, out, kernel, stride, dilation=dilation, groups=groups, act=act,
                              bn=bn, bias=bias)
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        return self.body(x)


@register(Role.OP, "act")
class Act(nn.Module):
    """An activation (default ReLU) as its own node; not in place, so the raw input stays intact."""

    def __init__(self, x: FeatureSpec, *, act: str = "relu"):
        super().__init__()
        try:
            self.act = make_act(act)
        except ValueError as e:
            raise BlockError(f"act: {e}") from None
        if hasattr(self.act, "inplace"):
            self.act.inplace = False
        self.out_specs = (FeatureSpec(x.channels, x.stride),)

    def forward(self, x):
        return self.act(x)


@register(Role.OP, "dsconv")
class DSConvOp(nn.Module):
    """Depthwise-separable conv (no activation between depthwise and pointwise by default)."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, stride: int = 1, dilation: int = 1,
                 dw_act: str | None = None, act: str = "relu"):
        super().__init__()
        out = out or x.channels
        self.body = DSConv(x.channels, out, stride, dilation=dilation, dw_act=dw_act, act=act)
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        return self.body(x)


@register(Role.OP, "fanet_up", paper="Real-time Semantic Segmentation with Fast Attention (arXiv:2007.03815)")
class FANetUp(nn.Module):
    """1x1 conv-BN-act to `out` channels (default half), with the official padding=1 quirk."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, up_padding: int = 1, act: str = "leaky"):
        super().__init__()
        if up_padding < 0:
            raise BlockError(f"fanet_up: up_padding must be >= 0, got {up_padding}")
        out = out or x.channels // 2
        self.body = ConvBNAct(x.channels, out, 1, padding=up_padding, act=act)
        self.out_specs = (FeatureSpec(out, x.stride),)  # nominal: the padding adds a ring of pixels
        self.extra_border = up_padding  # declared, so shape checks expect (H + 2p, W + 2p)

    def forward(self, x):
        return self.body(x)


@register(Role.OP, "lateral", paper="EfficientDet BiFPN (arXiv:1911.09070), as in SGCPNet (arXiv:2005.11034)")
class Lateral(nn.Module):
    """1x1 conv with bias -> BN (BiFPN's eps 1e-3 / momentum 0.01 by default): a channel adapter."""

    def __init__(self, x: FeatureSpec, *, out: int = 64, bn_eps: float = 1e-3, bn_momentum: float = 0.01):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(x.channels, out, 1), nn.BatchNorm2d(out, eps=bn_eps, momentum=bn_momentum))
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        return self.body(x)


@register(Role.OP, "linear", paper="SegFormer (arXiv:2105.15203)")
class PixelLinear(nn.Module):
    """A Linear on every pixel (= 1x1 conv with bias), its weight kept (out, in) in `proj` as nn.Linear."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None):
        super().__init__()
        out = out or x.channels
        self.proj = nn.Linear(x.channels, out)
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        return F.conv2d(x, self.proj.weight[:, :, None, None], self.proj.bias)  # (out, in) viewed (out, in, 1, 1)


@register(Role.OP, "dwc_embed", paper="AFFormer (arXiv:2301.04648)")
class DWCEmbed(nn.Module):
    """Depthwise k x k (stride s, no bias) -> pointwise 1x1 (no bias) -> BN -> act: C -> `out`, stride x s."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, stride: int = 1, kernel: int = 3,
                 act: str = "hswish"):
        super().__init__()
        out = out or x.channels
        if stride < 1 or kernel < 1 or kernel % 2 == 0 or out % x.channels:
            raise BlockError(f"dwc_embed: stride >= 1, an odd kernel and out a multiple of the {x.channels} input "
                             f"channels, got stride={stride}, kernel={kernel}, out={out}")
        self.dwconv = nn.Conv2d(x.channels, out, kernel, stride, (kernel - 1) // 2, groups=x.channels, bias=False)
        self.pwconv = nn.Conv2d(out, out, 1, bias=False)
        self.bn = nn.BatchNorm2d(out)
        self.act = make_act(act)
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        return self.act(self.bn(self.pwconv(self.dwconv(x))))


@register(Role.OP, "restore", paper="AFFormer (arXiv:2301.04648)")
class Restore(nn.Module):
    """x + (1x1 conv-BN-act to C/r -> 3x3 depthwise -> BN -> act -> 1x1 conv-BN to C): a reduction bottleneck."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 2, act: str = "hswish"):
        super().__init__()
        c = x.channels
        if reduction < 1 or c % reduction:
            raise BlockError(f"restore: reduction={reduction} must divide the {c} input channels")
        mid = c // reduction
        self.conv1 = ConvBNAct(c, mid, 1, act=act)
        self.dwconv = nn.Conv2d(mid, mid, 3, 1, 1, groups=mid, bias=False)
        self.norm = nn.BatchNorm2d(mid)
        self.act = make_act(act)
        self.conv2 = ConvBNAct(mid, c, 1, act=None)
        self.out_specs = (FeatureSpec(c, x.stride),)

    def forward(self, x):
        return x + self.conv2(self.act(self.norm(self.dwconv(self.conv1(x)))))


@register(Role.OP, "brc", paper="RTFormer (arXiv:2210.07124)")
class BRC(nn.Module):
    """BatchNorm -> ReLU -> conv (no bias, no BN after): the pre-activation unit as a node.

    RTFormer's `compression3` and its blocks' `compression` (specs/rtformer.md §2.3, §2.4) read a raw
    stage output and feed a sum, so the BN and ReLU come first; indices 0 and 2 are the official ones.
    """

    def __init__(self, x: FeatureSpec, *, out: int | None = None, kernel: int = 1, stride: int = 1,
                 act: str = "relu"):
        super().__init__()
        if kernel < 1 or stride < 1:
            raise BlockError(f"brc: kernel and stride must be >= 1, got {kernel}, {stride}")
        out = out or x.channels
        try:
            act_layer = make_act(act)
        except ValueError as e:
            raise BlockError(f"brc: {e}") from None
        self.body = nn.Sequential(nn.BatchNorm2d(x.channels), act_layer,
                                  nn.Conv2d(x.channels, out, kernel, stride, kernel // 2, bias=False))
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        return self.body(x)


@register(Role.OP, "split")
class Split(nn.Module):
    """Channel chunks of `sizes` (summing to the input's channels), one output each."""

    example_kwargs = {"sizes": [4, 12]}

    def __init__(self, x: FeatureSpec, *, sizes: list = (8, 8)):
        super().__init__()
        if len(sizes) < 2 or min(sizes) < 1 or sum(sizes) != x.channels:
            raise BlockError(f"split: sizes must be two or more positive widths summing to the input's "
                             f"{x.channels} channels, got {list(sizes)}")
        self.sizes = tuple(sizes)
        self.out_specs = tuple(FeatureSpec(c, x.stride) for c in sizes)

    def forward(self, x):
        return tuple(torch.split(x, self.sizes, dim=1))  # each (B, sizes[i], H, W)


@register(Role.OP, "ppa", paper="TopFormer (arXiv:2204.05525)")
class PyramidPoolAgg(nn.Module):
    """Adaptive average pooling of every input to ceil(last size / stride), then channel concatenation."""

    example_specs = (FeatureSpec(8, 4), FeatureSpec(16, 8), FeatureSpec(24, 16))

    def __init__(self, *xs: FeatureSpec, stride: int = 2):
        super().__init__()
        if stride < 1 or max(s.stride for s in xs) != xs[-1].stride:
            raise BlockError(f"ppa: stride must be >= 1 and the last input the coarsest, got stride={stride} and "
                             f"inputs at strides {', '.join(str(s.stride) for s in xs)}")
        self.stride = stride
        self.out_specs = (FeatureSpec(sum(s.channels for s in xs), xs[-1].stride * stride),)

    def forward(self, *xs):
        h, w = xs[-1].shape[-2:]
        size = ((h - 1) // self.stride + 1, (w - 1) // self.stride + 1)  # the official rounding: up
        return torch.cat([F.adaptive_avg_pool2d(x, size) for x in xs], dim=1)  # (B, sum C, h', w')
