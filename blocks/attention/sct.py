"""Convolutional attention (the CFBlock's token mixer). SCTNet: Single-Branch CNN with Transformer
Semantic Information for Real-Time Segmentation, Xu et al., AAAI 2024, arXiv:2312.17071. Official
code: xzz777/SCTNet, `mmseg/models/backbones/sctnet.py`, `ConvolutionalAttention`
(specs/sctnet.md §3.1, §4.1).

x + o_v + o_h: x_hat = BN(x); a vertical branch conv(x_hat, K_v) with K_v a (I, C, 7, 1) kernel,
RTFormer's grouped double normalisation (softmax over all H*W positions per channel, then divided
by the per-head channel sum + 1e-6, 8 heads of I / 8), then conv(., K_v^T) with the same kernel, in
and out swapped, **the same taps in the same orientation** (not a transposed convolution); the
horizontal branch likewise with a (I, C, 1, 7) kernel. No bias, no projection, no scaling.

Arguments: `inter` I = 64 (official, whatever C; must be divisible by `heads`), `kernel` 7.
Nothing depends on C or the map size. Init: the official code's init calls are no-ops, so the
kernels start at **zero** (`init="zeros"`: the block starts as the identity and the kernels still
get gradients); `init="trunc_normal"` is the intended std 0.001. Parameters 2 * I * C * k + 2C.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import double_norm, drop_path, require_divides
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "sct", paper="SCTNet (arXiv:2312.17071)")
class ConvolutionalAttention(nn.Module):
    """x + strip convolutions whose keys are also their values, with double normalisation between."""

    def __init__(self, x: FeatureSpec, *, inter: int = 64, heads: int = 8, kernel: int = 7, drop_path: float = 0.0,
                 residual: bool = True, eps: float = 1e-5, init: str = "zeros"):
        super().__init__()
        require_divides("sct", "heads", heads, inter, "attention channels (inter)")
        if kernel < 1 or kernel % 2 == 0 or not 0.0 <= drop_path < 1.0:
            raise BlockError(f"attention.sct: kernel must be odd and drop_path in [0, 1), got {kernel}, {drop_path}")
        if init not in ("zeros", "trunc_normal"):
            raise BlockError(f"attention.sct: init must be 'zeros' (official effective) or 'trunc_normal', got {init!r}")
        c = x.channels
        self.heads, self.pad, self.rate, self.residual = heads, kernel // 2, drop_path, residual
        self.kv = nn.Parameter(torch.zeros(inter, c, kernel, 1))  # own parameters: before the BN child
        self.kv3 = nn.Parameter(torch.zeros(inter, c, 1, kernel))
        if init == "trunc_normal":
            for p in (self.kv, self.kv3):
                nn.init.trunc_normal_(p, std=0.001)
        self.norm = nn.BatchNorm2d(c, eps=eps)
        self.out_specs = (x,)

    def forward(self, x):
        xn = self.norm(x)
        pad_v, pad_h = (self.pad, 0), (0, self.pad)
        a = double_norm(F.conv2d(xn, self.kv, padding=pad_v), self.heads)  # (B, I, H, W)
        o_v = F.conv2d(a, self.kv.transpose(0, 1), padding=pad_v)  # (B, C, H, W): same taps, no flip
        b = double_norm(F.conv2d(xn, self.kv3, padding=pad_h), self.heads)
        o_h = F.conv2d(b, self.kv3.transpose(0, 1), padding=pad_h)
        y = o_v + o_h
        return x + drop_path(y, self.rate, self.training) if self.residual else y
