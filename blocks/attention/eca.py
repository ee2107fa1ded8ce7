"""Efficient Channel Attention (ECA). ECA-Net: Efficient Channel Attention for Deep Convolutional
Neural Networks, Wang et al., CVPR 2020, arXiv:1910.03151. Official code: BangguWu/ECANet,
`models/eca_module.py`, `eca_layer` (specs/attention.md §3).

Global average pool, a 1-D convolution of kernel k across the channel axis (no bias, zero padding),
sigmoid, and the input rescaled channel-wise (no residual). The official module uses a fixed
k = 3 whatever C is (the default here); the paper's adaptive rule k = |log2(C)/gamma + b/gamma|_odd
is `k_size="adaptive"` (3 / 5 / 5 at C = 64 / 128 / 256). The pool is `adaptive_avg_pool2d`, as
the official (fvcore counts it: C*H*W MACs). Init: PyTorch's default Conv1d, as the official.
Differences from the official code: none.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


def adaptive_kernel(channels: int, gamma: int = 2, b: int = 1) -> int:
    """The paper's Fig. 3 rule: t = int(|log2(C) + b| / gamma), the nearest odd number at or above t."""
    t = int(abs(math.log2(channels) + b) / gamma)
    return t if t % 2 else t + 1


@register(Role.ATTENTION, "eca", paper="ECA-Net (arXiv:1910.03151)")
class EfficientChannelAttention(nn.Module):
    """x * sigmoid(conv1d_k(GAP(x))): channel weights from k neighbouring channels, k parameters."""

    def __init__(self, x: FeatureSpec, *, k_size: int | str = 3, gamma: int = 2, b: int = 1):
        super().__init__()
        if k_size == "adaptive":
            if gamma < 1:
                raise BlockError(f"attention.eca: gamma must be >= 1 for the adaptive kernel, got {gamma}")
            k = adaptive_kernel(x.channels, gamma, b)
        elif isinstance(k_size, int) and not isinstance(k_size, bool) and k_size >= 1 and k_size % 2:
            k = k_size
        else:
            raise BlockError(f"attention.eca: k_size must be an odd int >= 1 or 'adaptive', got {k_size!r}")
        self.k = k
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)
        self.out_specs = (x,)

    def forward(self, x):
        y = F.adaptive_avg_pool2d(x, 1)  # (B, C, 1, 1)
        y = self.conv(y.squeeze(-1).transpose(-1, -2))  # (B, 1, C): the channels as a sequence
        y = torch.sigmoid(y.transpose(-1, -2).unsqueeze(-1))  # (B, C, 1, 1)
        return x * y.expand_as(x)
