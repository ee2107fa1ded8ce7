"""Adaptive frequency filter attention: AFFormer's encoder (`MHCAEncoder`). Head-Free Lightweight
Semantic Segmentation with Linear Transformer, Dong et al., AAAI 2023, arXiv:2301.04648. Official
code: dongbo811/AFFormer, `tools/afformer.py`, `MHCAEncoder` / `MHCABlock` /
`Frequency_FilterModule` / `FilterModule` / `LowPassModule` (specs/afformer.md §2.5, §3.1, §4.1).

n layers on tokens, each: x + dw3x3(x) (the shared `cpe`); x + AFF(LN1(x)); x + FFN(LN2(x)).
AFF: qkv Linear (bias), 8 heads; linear attention q (softmax_tokens(k)^T v), scaled by Ch^-1/2;
plus the filter q * HP + LP on v as an image: HP = depthwise convs 3/5/7 (bias) on 2/3/3 heads'
channels, LP = four channel groups average-pooled to 1/2/3/6 squares, upsampled (bilinear,
align_corners=False), ReLU; then `proj`. FFN: Linear C -> 2C, u + dw3x3(u) (bias), GELU, Linear.
LN eps 1e-6. The positional conv and the filter convs are **shared** by the n layers (`share=True`,
official; the official state dict repeats them as aliases). Products are explicit matmul (the
official einsum counts the same MACs; fvcore rounds einsum to 4 digits).

Sizes that must divide: C by `heads` and by len(`pools`) (4), sum(`window_heads`) = `heads`;
otherwise one line naming the multiple. Init, official: Linear trunc-normal 0.02, LN 1/0, convs
fan-out normal. Parameters 41C + n (8C^2 + 31C) at the defaults.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import fan_out_normal_
from blocks.registry import BlockError, FeatureSpec, Role, register


class FrequencyFilter(nn.Module):
    """High-pass depthwise convs per head group (`conv_list`); the parameter-free low-pass is in forward."""

    def __init__(self, ch: int, windows: tuple[int, ...], window_heads: tuple[int, ...], pools: tuple[int, ...]):
        super().__init__()
        self.splits = [h * ch for h in window_heads]
        self.pools = pools
        self.conv_list = nn.ModuleList(nn.Conv2d(s, s, k, 1, k // 2, groups=s) for k, s in zip(windows, self.splits))

    def forward(self, q, v, h: int, w: int):
        b, heads, n, ch = q.shape
        img = v.transpose(-1, -2).reshape(b, heads * ch, h, w)  # (B, C, H, W): channel = head * Ch + j
        groups = torch.split(img, img.shape[1] // len(self.pools), dim=1)
        low = torch.relu(torch.cat([F.interpolate(F.adaptive_avg_pool2d(g, s), size=(h, w), mode="bilinear",
                                                  align_corners=False) for g, s in zip(groups, self.pools)], dim=1))
        high = torch.cat([conv(g) for conv, g in zip(self.conv_list, torch.split(img, self.splits, dim=1))], dim=1)
        high = high.reshape(b, heads, ch, n).transpose(-1, -2)  # (B, heads, N, Ch)
        low = low.reshape(b, heads, ch, n).transpose(-1, -2)
        return q * high + low


class AFFLayer(nn.Module):
    """One MHCABlock without its shared modules: qkv, proj, fc1, dwconv, fc2, norm1, norm2 (official order)."""

    def __init__(self, c: int, heads: int, mlp_ratio: int, qkv_bias: bool, ln_eps: float):
        super().__init__()
        self.heads, self.scale = heads, (c // heads) ** -0.5
        self.qkv = nn.Linear(c, 3 * c, bias=qkv_bias)
        self.proj = nn.Linear(c, c)
        self.fc1 = nn.Linear(c, c * mlp_ratio)
        self.dwconv = nn.Conv2d(c * mlp_ratio, c * mlp_ratio, 3, 1, 1, groups=c * mlp_ratio)
        self.fc2 = nn.Linear(c * mlp_ratio, c)
        self.norm1 = nn.LayerNorm(c, eps=ln_eps)
        self.norm2 = nn.LayerNorm(c, eps=ln_eps)

    def forward(self, x, h, w, cpe, crpe):
        b, n, c = x.shape
        img = x.transpose(1, 2).reshape(b, c, h, w)
        x = (cpe(img) + img).flatten(2).transpose(1, 2)  # (B, N, C): the positional conv, with residual
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, heads, N, Ch) each
        context = torch.matmul(torch.softmax(k, dim=2).transpose(-1, -2), v)  # (B, heads, Ch, Ch): over tokens
        y = self.scale * torch.matmul(q, context) + crpe(q, v, h, w)  # (B, heads, N, Ch)
        x = x + self.proj(y.transpose(1, 2).reshape(b, n, c))
        u = self.fc1(self.norm2(x))  # (B, N, 2C)
        u = u + self.dwconv(u.transpose(1, 2).reshape(b, -1, h, w)).flatten(2).transpose(1, 2)
        return x + self.fc2(F.gelu(u))


@register(Role.ATTENTION, "aff", paper="AFFormer (arXiv:2301.04648)")
class AdaptiveFrequencyFilter(nn.Module):
    """AFFormer's encoder: linear attention plus dynamic high-/low-pass filters, n layers with shared filters."""

    def __init__(self, x: FeatureSpec, *, n: int = 1, heads: int = 8, mlp_ratio: int = 2, windows: list[int] = (3, 5, 7),
                 window_heads: list[int] = (2, 3, 3), pools: list[int] = (1, 2, 3, 6), qkv_bias: bool = True,
                 ln_eps: float = 1e-6, share: bool = True):
        super().__init__()
        c = x.channels
        windows, window_heads, pools = tuple(windows), tuple(window_heads), tuple(pools)
        if n < 1 or mlp_ratio < 1 or heads < 1 or not pools or min(pools) < 1:
            raise BlockError(f"attention.aff: n, heads, mlp_ratio and every pool size must be >= 1")
        if len(windows) != len(window_heads) or sum(window_heads) != heads or any(k % 2 == 0 for k in windows):
            raise BlockError(f"attention.aff: window_heads {list(window_heads)} must pair with the odd windows "
                             f"{list(windows)} and sum to heads={heads}")
        multiple = heads * len(pools) // math.gcd(heads, len(pools))
        if c % multiple:
            raise BlockError(f"attention.aff needs channels that are a multiple of {multiple} (heads={heads} and "
                             f"{len(pools)} low-pass groups); the input has {c}: use an input width divisible by "
                             f"{multiple} or change heads/pools")
        self.n, self.share = n, share
        copies = 1 if share else n
        self.cpe = nn.ModuleList(nn.Conv2d(c, c, 3, 1, 1, groups=c) for _ in range(copies))
        self.crpe = nn.ModuleList(FrequencyFilter(c // heads, windows, window_heads, pools) for _ in range(copies))
        self.layers = nn.ModuleList(AFFLayer(c, heads, mlp_ratio, qkv_bias, ln_eps) for _ in range(n))
        fan_out_normal_(self)
        self.out_specs = (x,)

    def forward(self, x):
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)  # (B, N, C)
        for i, layer in enumerate(self.layers):
            j = 0 if self.share else i
            t = layer(t, h, w, self.cpe[j], self.crpe[j])
        return t.transpose(1, 2).reshape(b, c, h, w)
