"""Position attention module (PAM). Dual Attention Network for Scene Segmentation, Fu et al., CVPR
2019, arXiv:1809.02983. Official code: junfu1115/DANet, `encoding/nn/da_att.py`, `PAM_Module`
(specs/attention.md §7.1).

Queries and keys (1x1 C -> C // 8, bias), values (1x1 C -> C, bias); energy = Q K over all pixel
pairs (`bmm`, no scaling), softmax over the keys, out = V A^T; output gamma * out + x, gamma a direct
parameter starting at 0 (first in the state dict, as the official). Memory and time are quadratic
in the pixels: the n x n map is 268 MB per image at n = 8,192 and 4.3 GB at n = 32,768 (stride 8
of 1024x2048); `arena profile` reports it (temp MiB) and a study's preflight refuses a job whose
map would not fit. Differences from the official code: `min_qk` (default 1) only avoids a
zero-width conv below C = 8.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "pam", paper="DANet (arXiv:1809.02983)")
class PositionAttention(nn.Module):
    """gamma * softmax(Q K) V over all pixel pairs + x (DANet's position attention)."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 8, min_qk: int = 1):
        super().__init__()
        if reduction < 1 or min_qk < 1:
            raise BlockError(f"attention.pam: reduction and min_qk must be >= 1, got {reduction}, {min_qk}")
        c = x.channels
        qk = max(min_qk, c // reduction)
        self.query_conv = nn.Conv2d(c, qk, 1)
        self.key_conv = nn.Conv2d(c, qk, 1)
        self.value_conv = nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.out_specs = (x,)

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.query_conv(x).flatten(2).permute(0, 2, 1)  # (B, n, qk)
        k = self.key_conv(x).flatten(2)  # (B, qk, n)
        attention = torch.softmax(torch.bmm(q, k), dim=-1)  # (B, n, n): over the keys
        v = self.value_conv(x).flatten(2)  # (B, C, n)
        out = torch.bmm(v, attention.permute(0, 2, 1)).reshape(b, c, h, w)  # (B, C, H, W)
        return self.gamma * out + x
