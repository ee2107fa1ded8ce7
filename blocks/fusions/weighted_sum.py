"""Fast normalised weighted fusion, as in SGCPNet's spatial-detail guided context propagation.

Real-Time Semantic Segmentation via Spatial-Detail Guided Context Propagation, Hao et al.,
TNNLS 2022, arXiv:2005.11034 (the node is EfficientDet's BiFPN fusion, arXiv:1911.09070).
Official code zhouyuan888888/SGCPNet `models/SGCPmodule.py` (specs/sgcpnet.md §2.3): one learnable
scalar per input (init 1), w = ReLU(w_raw) / (sum ReLU(w_raw) + 1e-4), y = SepConvBN(Swish(sum w_i x_i)),
SepConvBN = depthwise 3x3 (no bias) -> pointwise 1x1 (bias) -> BN(eps 1e-3, momentum 0.01), no
activation after it. The SepConvBN is part of the node: it is what the code applies after every sum.
Differences from the official code: the resampling of the inputs is done by separate upsampler /
downsampler nodes, so all inputs arrive at one stride (the code's same-size nearest "resize" of
the bottom-up pass's top-down input is an identity and is dropped); inputs are ordered as the
fusion role wants (propagated input first, then the lateral), so for weight loading the official
2-input vector [lateral, propagated] maps reversed and the 3-input [lateral, top-down, pooled] maps
to [pooled, lateral, top-down]. Swish is `nn.SiLU` (numerically identical to the code's custom
autograd Swish). `norm="softmax"` is BiFPN's softmax fusion, `norm="none"` a plain sum, `conv=False`
drops the SepConvBN (then `out` != channels adds a 1x1 conv + BN).

`op.lateral` is BiFPN's channel adapter (1x1 conv with bias -> BN with eps 1e-3, momentum 0.01),
kept here because its BN settings belong to the same code; `op.cbr` has PyTorch's BN defaults.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ACTIVATIONS, ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.fusions.simple import _same_stride

NORMS = ("fast", "softmax", "none")


@register(Role.FUSION, "weighted_sum", paper="SGCPNet (arXiv:2005.11034); EfficientDet BiFPN (arXiv:1911.09070)")
class WeightedSum(nn.Module):
    """Learned non-negative scalar weights per input, normalised; sum; Swish; depthwise-separable conv + BN."""

    def __init__(self, *xs: FeatureSpec, out: int | None = None, norm: str = "fast", eps: float = 1e-4,
                 act: str = "swish", conv: bool = True, bn_eps: float = 1e-3, bn_momentum: float = 0.01):
        super().__init__()
        stride = _same_stride(xs, "weighted_sum")
        if len({s.channels for s in xs}) != 1:
            raise BlockError(f"weighted_sum inputs have {', '.join(str(s.channels) for s in xs)} channels: "
                             "project them to one width first")
        if norm not in NORMS:
            raise BlockError(f"weighted_sum norm must be one of {', '.join(NORMS)}, got {norm!r}")
        if act != "swish" and act not in ACTIVATIONS:
            raise BlockError(f"weighted_sum act must be 'swish' or one of {', '.join(ACTIVATIONS)}, got {act!r}")
        c = xs[0].channels
        out = out or c
        self.norm, self.eps, self.n = norm, eps, len(xs)
        if norm != "none":
            self.weight = nn.Parameter(torch.ones(len(xs)))
        self.act = nn.SiLU() if act == "swish" else make_act(act)
        if conv:
            bn = nn.BatchNorm2d(out, eps=bn_eps, momentum=bn_momentum)
            self.conv = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), nn.Conv2d(c, out, 1), bn)
        else:
            self.conv = ConvBNAct(c, out, 1, act=None) if out != c else nn.Identity()
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, *xs):
        if self.norm == "fast":
            w = torch.relu(self.weight)
            w = w / (w.sum() + self.eps)
        elif self.norm == "softmax":
            w = torch.softmax(self.weight, dim=0)
        y = xs[0] * w[0] if self.norm != "none" else xs[0]
        for i in range(1, self.n):  # indexed, not iterated: traces even when fx sees *xs as one proxy
            y = y + (xs[i] * w[i] if self.norm != "none" else xs[i])
        return self.conv(self.act(y))


@register(Role.OP, "lateral", paper="EfficientDet BiFPN (arXiv:1911.09070), as in SGCPNet (arXiv:2005.11034)")
class Lateral(nn.Module):
    """1x1 conv with bias -> BN (BiFPN's eps 1e-3 / momentum 0.01 by default): a channel adapter."""

    def __init__(self, x: FeatureSpec, *, out: int = 64, bn_eps: float = 1e-3, bn_momentum: float = 0.01):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(x.channels, out, 1), nn.BatchNorm2d(out, eps=bn_eps, momentum=bn_momentum))
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        return self.body(x)
