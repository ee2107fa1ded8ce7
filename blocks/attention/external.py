"""GPU-friendly external attention (GFA). RTFormer: Efficient Design for Real-Time Semantic
Segmentation with Transformer, Wang et al., NeurIPS 2022, arXiv:2210.07124. Official code:
PaddlePaddle/PaddleSeg, `paddleseg/models/rtformer.py`, `ExternalAttention` (the low-resolution
branch's `attn_l`; specs/rtformer.md §3.1, §4.1 "attention.gfa", specs/sctnet.md §3.6).

x + V * dn(K * BN(x)): BN on the input, a learned key memory K (M x C, a 1x1 conv without bias),
the grouped double normalisation (softmax over the H*W positions per memory slot, then each slot
divided by the sum over the M / heads slots of its group + 1e-6), a learned value memory V
(C x M). Linear in the pixels; no scaling. The products are 1x1 convs, counted by every counter.

C-dependent argument, official rule: `memory` M default C (the official M = c_out); `heads` (8)
must divide M. Arena name `external` (the issue's); specs/rtformer.md proposes `gfa`. The residual
form is the block's: in RTFormer the residual is outside the module (`x + DropPath(attn_l(x))`).
Init, official: K and V normal(0, 0.001); BN 1/0. The official stride-2 key conv (RTFormer's
layer4 projection) is not an attention-slot behaviour and is not offered. Parameters 2MC + 2C.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import double_norm, drop_path, require_divides
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "external", paper="RTFormer (arXiv:2210.07124)")
class ExternalAttention(nn.Module):
    """x + V * double-norm(K * BN(x)): attention against M learned memory slots, linear in pixels."""

    def __init__(self, x: FeatureSpec, *, memory: int | None = None, heads: int = 8, eps: float = 1e-6,
                 drop_path: float = 0.0, residual: bool = True):
        super().__init__()
        c = x.channels
        m = c if memory is None else memory
        require_divides("external", "heads", heads, m, "memory slots (memory defaults to the input channels)")
        if not 0.0 <= drop_path < 1.0:
            raise BlockError(f"attention.external: drop_path must be in [0, 1), got {drop_path}")
        self.heads, self.eps, self.rate, self.residual = heads, eps, drop_path, residual
        self.norm = nn.BatchNorm2d(c)
        self.k = nn.Parameter(torch.empty(m, c, 1, 1).normal_(0.0, 0.001))  # own parameters: listed first
        self.v = nn.Parameter(torch.empty(c, m, 1, 1).normal_(0.0, 0.001))
        self.out_specs = (x,)

    def forward(self, x):
        a = F.conv2d(self.norm(x), self.k)  # (B, M, H, W)
        y = F.conv2d(double_norm(a, self.heads, self.eps), self.v)  # (B, C, H, W)
        return x + drop_path(y, self.rate, self.training) if self.residual else y
