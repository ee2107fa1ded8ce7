"""Token-pyramid multi-head self-attention: TopFormer's Scale-aware Semantics Extractor (SASE).
TopFormer: Token Pyramid Transformer for Mobile Semantic Segmentation, Zhang et al., CVPR 2022,
arXiv:2204.05525. Official code: hustvl/TopFormer, `topformer.py`, `BasicLayer` / `Block` /
`Attention` / `Mlp` (specs/topformer.md §2.4, §3.2, §4.1).

n blocks, each x <- x + Attn(x); x <- x + MLP(x), no normalisation before either branch. Attn:
q, k (1x1 conv-BN, C -> 16 * heads), v (C -> 32 * heads), per-head softmax(q^T k) over all tokens,
**unscaled** (the official computes key_dim^-1/2 and never applies it; `scale="sqrt"` applies it),
then ReLU6, 1x1 conv-BN (its BN weight starts at 0, so a fresh branch is zero). MLP: 1x1 conv-BN
C -> 2C, 3x3 depthwise conv with bias, ReLU6, 1x1 conv-BN 2C -> C. DropPath linspace(0, rate, n).
Attention is explicit matmul + softmax.

Widths do not depend on C. Cost is quadratic in the tokens: TopFormer runs it at stride 64. The
argument `pool` (an arena extension, not official) runs the blocks on a k x k average-pooled copy
and adds back the upsampled change: y = x + up(B(P x) - P x). Its default None = 64 // input
stride, so the tokens sit at stride 64 as in TopFormer (pool = 1 there: exactly the official
block); `pool=1` everywhere gives the official function at any stride. The pooled map's size is
ceil(H / k) x ceil(W / k) (adaptive pooling), so any window fits any map. Init, official: convs
fan-out normal, BN 1/0 except the attention projection's BN weight 0.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import drop_path, fan_out_normal_
from blocks.attention.sea import conv_bn
from blocks.registry import BlockError, FeatureSpec, Role, register


class TokenAttention(nn.Module):
    """Multi-head attention over all tokens of a map; official order to_q, to_k, to_v, proj."""

    def __init__(self, c: int, heads: int, key_dim: int, attn_ratio: int, act, scale: float, proj_bn_init: float):
        super().__init__()
        self.heads, self.key_dim, self.dv, self.scale = heads, key_dim, attn_ratio * key_dim, scale
        self.to_q = conv_bn(c, heads * key_dim)
        self.to_k = conv_bn(c, heads * key_dim)
        self.to_v = conv_bn(c, heads * self.dv)
        self.proj = nn.Sequential(act(), conv_bn(heads * self.dv, c, bn_weight=proj_bn_init))

    def forward(self, x):
        b, _, h, w = x.shape
        q = self.to_q(x).reshape(b, self.heads, self.key_dim, h * w).permute(0, 1, 3, 2)  # (B, heads, N, dk)
        k = self.to_k(x).reshape(b, self.heads, self.key_dim, h * w)  # (B, heads, dk, N)
        v = self.to_v(x).reshape(b, self.heads, self.dv, h * w).permute(0, 1, 3, 2)  # (B, heads, N, dv)
        logits = torch.matmul(q, k)  # (B, heads, N, N)
        attn = torch.softmax(logits * self.scale if self.scale != 1.0 else logits, dim=-1)
        out = torch.matmul(attn, v).permute(0, 1, 3, 2).reshape(b, -1, h, w)  # (B, heads * dv, H, W)
        return self.proj(out)


class TokenMlp(nn.Module):
    """fc1 (conv-BN) -> 3x3 depthwise conv with bias -> act -> fc2 (conv-BN)."""

    def __init__(self, c: int, hidden: int, act):
        super().__init__()
        self.fc1 = conv_bn(c, hidden)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)
        self.act = act()
        self.fc2 = conv_bn(hidden, c)

    def forward(self, x):
        return self.fc2(self.act(self.dwconv(self.fc1(x))))


class TokenBlock(nn.Module):
    def __init__(self, c, heads, key_dim, attn_ratio, mlp_ratio, act, scale, proj_bn_init, rate):
        super().__init__()
        self.rate = rate
        self.attn = TokenAttention(c, heads, key_dim, attn_ratio, act, scale, proj_bn_init)
        self.mlp = TokenMlp(c, c * mlp_ratio, act)

    def forward(self, x):
        x = x + drop_path(self.attn(x), self.rate, self.training)
        return x + drop_path(self.mlp(x), self.rate, self.training)


@register(Role.ATTENTION, "token_mhsa", paper="TopFormer (arXiv:2204.05525)")
class TokenPyramidAttention(nn.Module):
    """TopFormer's SASE: n BN-based transformer blocks with unscaled multi-head attention."""

    def __init__(self, x: FeatureSpec, *, n: int = 4, heads: int = 8, key_dim: int = 16, attn_ratio: int = 2,
                 mlp_ratio: int = 2, act: str = "relu6", drop_path: float = 0.1, scale: str = "none",
                 proj_bn_init: float = 0.0, pool: int | None = None):
        super().__init__()
        if min(n, heads, key_dim, attn_ratio, mlp_ratio) < 1 or not 0.0 <= drop_path < 1.0:
            raise BlockError(f"attention.token_mhsa: n, heads, key_dim, attn_ratio and mlp_ratio must be >= 1 and "
                             f"drop_path in [0, 1), got {n}, {heads}, {key_dim}, {attn_ratio}, {mlp_ratio}, {drop_path}")
        if scale not in ("none", "sqrt") or act not in ("relu6", "relu"):
            raise BlockError(f"attention.token_mhsa: scale must be 'none' (official) or 'sqrt' and act 'relu6' "
                             f"(official) or 'relu', got scale={scale!r}, act={act!r}")
        self.pool = max(1, 64 // x.stride) if pool is None else pool
        if self.pool < 1:
            raise BlockError(f"attention.token_mhsa: pool must be >= 1 (or None = 64 // stride), got {pool}")
        act_layer = nn.ReLU6 if act == "relu6" else nn.ReLU
        factor = key_dim ** -0.5 if scale == "sqrt" else 1.0
        rates = [drop_path * i / (n - 1) if n > 1 else 0.0 for i in range(n)]  # linspace(0, rate, n)
        self.transformer_blocks = nn.ModuleList(
            TokenBlock(x.channels, heads, key_dim, attn_ratio, mlp_ratio, act_layer, factor, proj_bn_init, r)
            for r in rates)
        for m in self.modules():  # the official init_weights on convs; BN weights keep their construction init
            if isinstance(m, nn.Conv2d):
                fan_out_normal_(m)
        self.out_specs = (x,)

    def forward(self, x):
        if self.pool == 1:
            y = x
            for block in self.transformer_blocks:
                y = block(y)
            return y
        h, w = x.shape[-2:]
        p = F.adaptive_avg_pool2d(x, (math.ceil(h / self.pool), math.ceil(w / self.pool)))  # (B, C, h', w')
        y = p
        for block in self.transformer_blocks:
            y = block(y)
        return x + F.interpolate(y - p, size=(h, w), mode="bilinear", align_corners=False)
