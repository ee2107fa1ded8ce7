"""Efficient self-attention with spatial reduction: one Mix Transformer block. SegFormer: Simple and
Efficient Design for Semantic Segmentation with Transformers, Xie et al., NeurIPS 2021,
arXiv:2105.15203. Official code: NVlabs/SegFormer, `mix_transformer.py`, `Block` / `Attention` /
`Mlp` (specs/segformer.md §2.3, §3.1-3.2, §4.1).

x <- x + SRA(LN1(x)); x <- x + MixFFN(LN2(x)) (`ffn=False` keeps only the attention half). SRA:
q = Linear(x); keys and values from a copy reduced by a conv of kernel = stride = sr (bias) + LN
(eps 1e-5), kv = Linear C -> 2C split K-then-V, head-major; softmax(q k^T / sqrt(d)) v per head,
then `proj`. MixFFN: Linear C -> 4C, 3x3 depthwise conv (bias), exact GELU, Linear 4C -> C.
Block LNs eps 1e-6. Attention is explicit matmul + softmax, so every counter sees it.

C-dependent arguments, by the official rule: `heads` default C // 32 (head dim 32: B0's 1/2/5/8),
must divide C; `sr` default 32 // input stride (8/4/2/1 at strides 4/8/16/32: keys stay at stride
32). Init: the official `_init_weights` (Linear trunc-normal 0.02, LN 1/0, convs fan-out normal).
Differences from the official code: NCHW in and out (tokens inside); drop_path defaults to 0.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import drop_path, fan_out_normal_, require_divides
from blocks.registry import BlockError, FeatureSpec, Role, register


class SpatialReductionAttention(nn.Module):
    """SRA on tokens (B, N, C) of an h x w map; parameters in the official order q, kv, proj, sr, norm."""

    def __init__(self, c: int, heads: int, sr: int, qkv_bias: bool, sr_ln_eps: float):
        super().__init__()
        self.heads, self.sr_ratio, self.scale = heads, sr, (c // heads) ** -0.5
        self.q = nn.Linear(c, c, bias=qkv_bias)
        self.kv = nn.Linear(c, 2 * c, bias=qkv_bias)
        self.proj = nn.Linear(c, c)
        if sr > 1:
            self.sr = nn.Conv2d(c, c, sr, sr)
            self.norm = nn.LayerNorm(c, eps=sr_ln_eps)

    def forward(self, x, h: int, w: int):
        b, n, c = x.shape
        d = c // self.heads
        q = self.q(x).reshape(b, n, self.heads, d).permute(0, 2, 1, 3)  # (B, heads, N, d)
        y = x
        if self.sr_ratio > 1:
            y = self.sr(x.transpose(1, 2).reshape(b, c, h, w)).flatten(2).transpose(1, 2)  # (B, M, C)
            y = self.norm(y)
        kv = self.kv(y).reshape(b, -1, 2, self.heads, d).permute(2, 0, 3, 1, 4)  # (2, B, heads, M, d)
        attn = torch.softmax(torch.matmul(q, kv[0].transpose(-2, -1)) * self.scale, dim=-1)  # (B, heads, N, M)
        out = torch.matmul(attn, kv[1]).transpose(1, 2).reshape(b, n, c)  # (B, N, C), head-major
        return self.proj(out)


class DWConv(nn.Module):
    """The official wrapper of the 3x3 depthwise conv (bias): keeps the official key `mlp.dwconv.dwconv`, so
    SegFormer checkpoints and MiT ImageNet files load by name."""

    def __init__(self, c: int):
        super().__init__()
        self.dwconv = nn.Conv2d(c, c, 3, 1, 1, groups=c)

    def forward(self, x):
        return self.dwconv(x)


class MixFFN(nn.Module):
    """fc1 -> 3x3 depthwise conv (bias) -> GELU -> fc2, on tokens of an h x w map."""

    def __init__(self, c: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(c, hidden)
        self.dwconv = DWConv(hidden)
        self.fc2 = nn.Linear(hidden, c)

    def forward(self, x, h: int, w: int):
        b, n, _ = x.shape
        y = self.fc1(x)
        y = self.dwconv(y.transpose(1, 2).reshape(b, -1, h, w)).flatten(2).transpose(1, 2)  # (B, N, hidden)
        return self.fc2(F.gelu(y))


@register(Role.ATTENTION, "efficient_sa", paper="SegFormer (arXiv:2105.15203)")
class EfficientSelfAttention(nn.Module):
    """One MiT block: pre-LN spatial-reduction attention + residual, then pre-LN Mix-FFN + residual."""

    def __init__(self, x: FeatureSpec, *, heads: int | None = None, sr: int | None = None, qkv_bias: bool = True,
                 ln_eps: float = 1e-6, sr_ln_eps: float = 1e-5, drop_path: float = 0.0, ffn: bool = True,
                 mlp_ratio: int = 4):
        super().__init__()
        c = x.channels
        heads = max(1, c // 32) if heads is None else heads
        require_divides("efficient_sa", "heads", heads, c, "input channels")
        sr = max(1, 32 // x.stride) if sr is None else sr
        if sr < 1 or mlp_ratio < 1 or not 0.0 <= drop_path < 1.0:
            raise BlockError(f"attention.efficient_sa: sr and mlp_ratio must be >= 1 and drop_path in [0, 1), "
                             f"got sr={sr}, mlp_ratio={mlp_ratio}, drop_path={drop_path}")
        self.sr, self.rate = sr, drop_path
        self.norm1 = nn.LayerNorm(c, eps=ln_eps)
        self.attn = SpatialReductionAttention(c, heads, sr, qkv_bias, sr_ln_eps)
        self.norm2 = nn.LayerNorm(c, eps=ln_eps) if ffn else None
        self.mlp = MixFFN(c, c * mlp_ratio) if ffn else None
        fan_out_normal_(self)
        self.out_specs = (x,)

    def forward(self, x):
        b, c, h, w = x.shape
        if h < self.sr or w < self.sr:
            raise BlockError(f"attention.efficient_sa: its {h}x{w} input is smaller than the reduction sr={self.sr}; "
                             f"use a larger input or a smaller sr")
        t = x.flatten(2).transpose(1, 2)  # (B, N, C) tokens, row-major
        t = t + drop_path(self.attn(self.norm1(t), h, w), self.rate, self.training)
        if self.mlp is not None:
            t = t + drop_path(self.mlp(self.norm2(t), h, w), self.rate, self.training)
        return t.transpose(1, 2).reshape(b, c, h, w)
