"""Criss-cross attention (CCA). CCNet: Criss-Cross Attention for Semantic Segmentation, Huang et
al., ICCV 2019 / TPAMI 2020, arXiv:1811.11721. Official code: speedinghzl/CCNet (master),
`cc_attention/functions.py`, `CrissCrossAttention` (specs/attention.md §6).

Queries and keys (1x1 C -> C // 8, bias) and values (1x1 C -> C, bias); each pixel attends to its
column (self masked with -inf) and its row (self kept), one joint softmax over the H + W energies,
no scaling; out = gamma * (out_col + out_row) + x, gamma a learnable scalar starting at 0 (so the
block starts as the identity). One set of weights is applied `recurrence` times (R = 2: the
published models and the README; the code's defaults say 0 or 1). gamma is a direct parameter of
the block, so it is the first state-dict key, as the official. Memory: an N x H x W x (H + W)
affinity per application. The criss-cross op is the one `upsampler.gai` uses (bmm, as the official).
Differences from the official code: the -inf mask is built on the input's device (the official
builds it with `.cuda()`); `min_qk` (default 1) only avoids a zero-width conv below C = 8.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.upsamplers.gai import criss_cross


@register(Role.ATTENTION, "cca", paper="CCNet (arXiv:1811.11721)")
class CrissCrossAttention(nn.Module):
    """gamma * criss-cross attention + x, applied `recurrence` times with shared weights."""

    def __init__(self, x: FeatureSpec, *, recurrence: int = 2, reduction: int = 8, min_qk: int = 1):
        super().__init__()
        if recurrence < 1 or reduction < 1 or min_qk < 1:
            raise BlockError(f"attention.cca: recurrence, reduction and min_qk must be >= 1, "
                             f"got {recurrence}, {reduction}, {min_qk}")
        c = x.channels
        qk = max(min_qk, c // reduction)
        self.recurrence = recurrence
        self.query_conv = nn.Conv2d(c, qk, 1)
        self.key_conv = nn.Conv2d(c, qk, 1)
        self.value_conv = nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.zeros(1))  # created last, listed first (own parameter)
        self.out_specs = (x,)

    def forward(self, x):
        for _ in range(self.recurrence):
            x = self.gamma * criss_cross(self.query_conv(x), self.key_conv(x), self.value_conv(x)) + x
        return x
