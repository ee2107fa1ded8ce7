"""Fast normalised weighted fusion, as in SGCPNet's spatial-detail guided context propagation.

Real-Time Semantic Segmentation via Spatial-Detail Guided Context Propagation, Hao et al.,
TNNLS 2022, arXiv:2005.11034 (the node is EfficientDet's BiFPN fusion, arXiv:1911.09070).
Official code zhouyuan888888/SGCPNet `models/SGCPmodule.py` (specs/sgcpnet.md §2.3): one learnable
scalar per input (init 1), w = ReLU(w_raw) / (sum ReLU(w_raw) + 1e-4), y = SepConvBN(Swish(sum w_i x_i)),
SepConvBN = depthwise 3x3 (no bias) -> pointwise 1x1 (bias) -> BN(eps 1e-3, momentum 0.01), no
activation after it. The SepConvBN is part of the node: it is what the code applies after every sum.
Differences from the official code: the resampling of the inputs is done by separate upsampler /
downsampler nodes, so all inputs arrive at one stride (the code's same-size nearest "resize" of
the bottom-up pass's top-down input is an identity and is dropped). Inputs are ordered as the
fusion role wants (the propagated or pooled input first, then the lateral[, the top-down]), but
the `weight` vector is stored in the official order, so an official checkpoint loads as it is:
(lateral, propagated) for 2 inputs and (lateral, top-down, pooled) for 3, i.e. official index k
weights input (k + 1) mod n. `weight_order="inputs"` stores it in input order instead (weight i
on input i), for hybrids that want the plain reading; the function is the same either way.
Swish is `nn.SiLU` (numerically identical to the code's custom autograd Swish). `norm="softmax"` is
BiFPN's softmax fusion, `norm="none"` a plain sum, `conv=False` drops the SepConvBN (then `out` !=
channels adds a 1x1 conv + BN).

`op.lateral` (blocks/ops.py) is BiFPN's channel adapter that feeds these fusions.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ACTIVATIONS, ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.fusions._common import same_stride

NORMS = ("fast", "softmax", "none")
WEIGHT_ORDERS = ("official", "inputs")


@register(Role.FUSION, "weighted_sum", paper="SGCPNet (arXiv:2005.11034); EfficientDet BiFPN (arXiv:1911.09070)")
class WeightedSum(nn.Module):
    """Learned non-negative scalar weights per input, normalised; sum; Swish; depthwise-separable conv + BN."""

    def __init__(self, *xs: FeatureSpec, out: int | None = None, norm: str = "fast", eps: float = 1e-4,
                 act: str = "swish", conv: bool = True, bn_eps: float = 1e-3, bn_momentum: float = 0.01,
                 weight_order: str = "official"):
        super().__init__()
        stride = same_stride(xs, "weighted_sum")
        if len({s.channels for s in xs}) != 1:
            raise BlockError(f"weighted_sum inputs have {', '.join(str(s.channels) for s in xs)} channels: "
                             "project them to one width first")
        if norm not in NORMS:
            raise BlockError(f"weighted_sum norm must be one of {', '.join(NORMS)}, got {norm!r}")
        if act != "swish" and act not in ACTIVATIONS:
            raise BlockError(f"weighted_sum act must be 'swish' or one of {', '.join(ACTIVATIONS)}, got {act!r}")
        if weight_order not in WEIGHT_ORDERS:
            raise BlockError(f"weighted_sum weight_order must be one of {', '.join(WEIGHT_ORDERS)}, "
                             f"got {weight_order!r}")
        c = xs[0].channels
        out = out or c
        n = len(xs)
        self.norm, self.eps, self.n = norm, eps, n
        # slot[i]: the index in `weight` of input i (official: the first input's weight is stored last)
        self.slot = tuple((i - 1) % n for i in range(n)) if weight_order == "official" else tuple(range(n))
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
        y = xs[0] * w[self.slot[0]] if self.norm != "none" else xs[0]
        for i in range(1, self.n):  # indexed, not iterated: traces even when fx sees *xs as one proxy
            y = y + (xs[i] * w[self.slot[i]] if self.norm != "none" else xs[i])
        return self.conv(self.act(y))
