"""Cross-resolution attention (`cra`): the high half of RTFormer's block.

RTFormer: Efficient Design for Real-Time Semantic Segmentation with Transformer, Wang et al.,
NeurIPS 2022, arXiv:2210.07124. Official code PaddlePaddle/PaddleSeg `paddleseg/models/rtformer.py`
(`EABlock`: `attn_h`, `mlp_h`, `cross_kv`, the `ExternalAttention` with `use_cross_kv=True`;
specs/rtformer.md §2.4, §3.2). With h the high-resolution feature (Ch x H x W, the queries) and l the
low-resolution one (Cl x h x w, any stride):
  KV = 1x1 conv(AdaptiveMaxPool_SxS(BN(l)))  -> K: first Ch channels, V: last Ch, L = S*S tokens
  h  = h + DropPath(V . softmax_L(K^T . BN(h) * scale))   scale = 1/sqrt(L) = 1/12 (official, `scale="keys"`)
  h  = h + DropPath(FFN(h))                               (`ffn=False`: attention only)
No query or output projection; every image gets its own keys and values. The products are matmuls
(fvcore counts them; it would not count `scaled_dot_product_attention`). `scale="channels"` (1/sqrt(Ch))
is the textbook ablation. `out` other than Ch adds a 1x1 conv-BN-ReLU (not in the official code), so
the block fits any fusion slot. Modules are created in the official order (attn_h, mlp_h, cross_kv;
index 1 of cross_kv is the pool). Init, official: cross_kv's conv truncated normal std 0.02, the rest
PyTorch's default. Differences from the official code: none for the defaults.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from blocks.attention._common import drop_path
from blocks.backbones.rtformer import ConvFFN
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register

SCALES = ("keys", "channels")


class QueryNorm(nn.Module):
    """The official `attn_h`: only the BN on the queries (keys and values come from `cross_kv`)."""

    def __init__(self, c: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(c)

    def forward(self, x, k, v, scale: float):
        b, c, h, w = x.shape
        q = self.norm(x).reshape(b, c, h * w)  # (B, Ch, HW)
        a = torch.softmax(torch.matmul(k, q) * scale, dim=1)  # (B, L, Ch) @ (B, Ch, HW) -> (B, L, HW)
        return torch.matmul(v, a).reshape(b, c, h, w)  # (B, Ch, L) @ (B, L, HW) -> (B, Ch, H, W)


@register(Role.FUSION, "cra", paper="RTFormer (arXiv:2210.07124)")
class CrossResolutionAttention(nn.Module):
    """The high feature attends to S*S max-pooled tokens of the low one, then a conv FFN; both residual."""

    example_specs = (FeatureSpec(32, 8), FeatureSpec(64, 32))  # (high, low): the low one at any stride
    upsamples_inside = True  # reads the low feature at its own stride (the builder lets the strides differ)

    def __init__(self, high: FeatureSpec, low: FeatureSpec, *, out: int | None = None, cross_size: int = 12,
                 drop_path: float = 0.0, ffn: bool = True, scale: str = "keys", ffn_eps: float = 1e-6):
        super().__init__()
        if cross_size < 1 or not 0.0 <= drop_path < 1.0 or scale not in SCALES:
            raise BlockError(f"cra: cross_size must be >= 1, drop_path in [0, 1) and scale one of "
                             f"{', '.join(SCALES)}; got {cross_size}, {drop_path}, {scale!r}")
        ch = high.channels
        self.rate, self.ch = drop_path, ch
        self.scale = 1.0 / (cross_size if scale == "keys" else math.sqrt(ch))  # sqrt(S*S) = S
        self.attn_h = QueryNorm(ch)
        self.mlp_h = ConvFFN(ch, eps=ffn_eps) if ffn else None
        self.cross_kv = nn.Sequential(nn.BatchNorm2d(low.channels), nn.AdaptiveMaxPool2d(cross_size),
                                      nn.Conv2d(low.channels, 2 * ch, 1, bias=False))
        nn.init.trunc_normal_(self.cross_kv[2].weight, std=0.02, a=-0.04, b=0.04)
        out = out or ch
        self.project = ConvBNAct(ch, out, 1) if out != ch else nn.Identity()
        self.out_specs = (FeatureSpec(out, high.stride),)

    def forward(self, high, low):
        kv = self.cross_kv(low)  # (B, 2Ch, S, S)
        b = kv.shape[0]
        k = kv[:, :self.ch].reshape(b, self.ch, -1).transpose(1, 2)  # (B, L, Ch), row-major over the S x S grid
        v = kv[:, self.ch:].reshape(b, self.ch, -1)  # (B, Ch, L)
        x = high + drop_path(self.attn_h(high, k, v, self.scale), self.rate, self.training)
        if self.mlp_h is not None:
            x = x + drop_path(self.mlp_h(x), self.rate, self.training)
        return self.project(x)
