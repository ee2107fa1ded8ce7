"""Squeeze-enhanced axial attention. SeaFormer: Squeeze-enhanced Axial Transformer for Mobile
Semantic Segmentation, Wan et al., ICLR 2023, arXiv:2301.13156. Official code: fudan-zvg/SeaFormer,
`seaformer-seg/mmseg/models/backbones/seaformer.py`, `Sea_Attention` (specs/seaformer.md §2.4, §3.1).

q, k, v are 1x1 conv-BN projections (q, k: heads * key_dim; v: heads * attn_ratio * key_dim).
Detail branch: e = pw(ReLU6(dw3x3(cat[q, k, v]))) (conv-BN units). Axial branch: q, k, v are
squeezed by the mean over W (rows) and over H (columns), learnable positional tables of length 16
(linearly interpolated to H or W, align_corners=False) are added to q and k, multi-head attention
along each axis (explicit matmul, scale key_dim^-1/2 after the product), each axis result through
ReLU6 + 1x1 conv-BN; s = v + row + column (broadcast). Output hsigmoid(BN(W_proj ReLU6(s))) * e,
plus the input (the SeaFormer Block's residual; `residual=False` gives the bare branch).

No C-dependent argument: the widths come from heads and key_dim. `heads=4` is the generic default of
the spec (SeaFormer itself uses 6 / 8). The detail width is 2nq + nv (the official file writes
2nv, equal at attn_ratio 2). Init, official: convs fan-out normal, BN 1/0, except the three output
BNs (proj, proj_encode_row/column) whose weight starts at 0; positional tables N(0, 1).
Differences from the official code: none in the function.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import drop_path, fan_out_normal_
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


def conv_bn(cin: int, cout: int, kernel: int = 1, groups: int = 1, bn_weight: float = 1.0) -> ConvBNAct:
    """SeaFormer's `Conv2d_BN`: conv without bias, then BN whose weight starts at `bn_weight`."""
    unit = ConvBNAct(cin, cout, kernel, groups=groups, act=None)
    nn.init.constant_(unit[1].weight, bn_weight)
    return unit


class AxialPosition(nn.Module):
    """A learnable (1, dim, length) table added to a squeezed (B, dim, n) tensor, resized to n."""

    def __init__(self, dim: int, length: int):
        super().__init__()
        self.pos_embed = nn.Parameter(torch.randn(1, dim, length))

    def forward(self, x):
        return x + F.interpolate(self.pos_embed, size=x.shape[-1], mode="linear", align_corners=False)


@register(Role.ATTENTION, "sea", paper="SeaFormer (arXiv:2301.13156)")
class SeaAttention(nn.Module):
    """Axial attention on row/column means, gating a depthwise detail branch; plus the input."""

    def __init__(self, x: FeatureSpec, *, key_dim: int = 16, heads: int = 4, attn_ratio: int = 2, pos_len: int = 16,
                 act: str = "relu6", drop_path: float = 0.0, residual: bool = True):
        super().__init__()
        if min(key_dim, heads, attn_ratio, pos_len) < 1 or not 0.0 <= drop_path < 1.0:
            raise BlockError(f"attention.sea: key_dim, heads, attn_ratio and pos_len must be >= 1 and drop_path in "
                             f"[0, 1), got {key_dim}, {heads}, {attn_ratio}, {pos_len}, {drop_path}")
        if act not in ("relu6", "relu"):
            raise BlockError(f"attention.sea: act must be 'relu6' (official) or 'relu', got {act!r}")
        c = x.channels
        self.heads, self.key_dim, self.dv = heads, key_dim, attn_ratio * key_dim
        nq, nv = heads * key_dim, heads * attn_ratio * key_dim
        self.scale, self.rate, self.residual = key_dim ** -0.5, drop_path, residual
        act_layer = nn.ReLU6 if act == "relu6" else nn.ReLU
        self.to_q = conv_bn(c, nq)
        self.to_k = conv_bn(c, nq)
        self.to_v = conv_bn(c, nv)
        self.proj = nn.Sequential(act_layer(), conv_bn(nv, c, bn_weight=0.0))
        self.proj_encode_row = nn.Sequential(act_layer(), conv_bn(nv, nv, bn_weight=0.0))
        self.pos_emb_rowq = AxialPosition(nq, pos_len)
        self.pos_emb_rowk = AxialPosition(nq, pos_len)
        self.proj_encode_column = nn.Sequential(act_layer(), conv_bn(nv, nv, bn_weight=0.0))
        self.pos_emb_columnq = AxialPosition(nq, pos_len)
        self.pos_emb_columnk = AxialPosition(nq, pos_len)
        self.dwconv = conv_bn(2 * nq + nv, 2 * nq + nv, 3, groups=2 * nq + nv)
        self.act = act_layer()
        self.pwconv = conv_bn(2 * nq + nv, c)
        for m in self.modules():  # the official init_weights on convs; BN weights keep their construction init
            if isinstance(m, nn.Conv2d):
                fan_out_normal_(m)
        self.out_specs = (x,)

    def forward(self, x):
        q, k, v = self.to_q(x), self.to_k(x), self.to_v(x)
        detail = self.pwconv(self.act(self.dwconv(torch.cat([q, k, v], dim=1))))  # (B, C, H, W)
        row = self.axis(q.mean(-1), k.mean(-1), v.mean(-1), self.pos_emb_rowq, self.pos_emb_rowk)  # (B, nv, H)
        row = self.proj_encode_row(row.unsqueeze(-1))  # (B, nv, H, 1)
        col = self.axis(q.mean(-2), k.mean(-2), v.mean(-2), self.pos_emb_columnq, self.pos_emb_columnk)
        col = self.proj_encode_column(col.unsqueeze(-2))  # (B, nv, 1, W)
        s = v + (row + col)  # (B, nv, H, W): both axes broadcast
        y = F.relu6(self.proj(s) + 3) / 6 * detail  # hard-sigmoid gate on the detail branch
        return x + drop_path(y, self.rate, self.training) if self.residual else y

    def axis(self, q, k, v, pos_q, pos_k):
        """Multi-head attention along one axis of squeezed (B, width, n) tensors -> (B, nv, n)."""
        b, _, n = q.shape
        q = pos_q(q).reshape(b, self.heads, self.key_dim, n).permute(0, 1, 3, 2)  # (B, heads, n, dk)
        k = pos_k(k).reshape(b, self.heads, self.key_dim, n)  # (B, heads, dk, n)
        v = v.reshape(b, self.heads, self.dv, n).permute(0, 1, 3, 2)  # (B, heads, n, dv)
        attn = torch.softmax(torch.matmul(q, k) * self.scale, dim=-1)  # (B, heads, n, n)
        return torch.matmul(attn, v).permute(0, 1, 3, 2).reshape(b, -1, n)  # (B, nv, n)
