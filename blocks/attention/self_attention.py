"""Standard softmax self-attention (non-local block), the baseline that fast attention replaces.

Non-local Neural Networks, Wang et al., CVPR 2018, arXiv:1711.07971; used as the comparison in
Real-time Semantic Segmentation with Fast Attention, arXiv:2007.03815 §3.1 (specs/fanet.md §3.1).
Y = softmax(Q K^T) V with FANet's projections (q, k: 1x1 C -> 32 + BN; v: 1x1 C -> C + BN + act),
then the same out-projection and residual as `attention.fast`, so swapping one for the other
changes only the affinity. It costs O(n^2) time and memory: at stride 8 of a 1024x2048 input the
n x n map alone is 4.3 GB.

Options: `scale="sqrt"` divides the logits by sqrt(qk) (Transformer convention; the non-local
block and FANet's formulation do not). `gamma=True` multiplies the attention branch by a learnable
scalar initialised to 0 (DANet/SAGAN style), so the block starts as identity.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.attention.fast import QKVAttention
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "self", paper="Non-local Neural Networks (arXiv:1711.07971)")
class SelfAttention(QKVAttention):
    """softmax(Q K^T) V over all pixel pairs, then out-projection and residual."""

    def __init__(self, x: FeatureSpec, *, qk: int = 32, scale: str = "none", act: str = "leaky",
                 residual: bool = True, gamma: bool = False):
        if scale not in ("none", "sqrt"):
            raise BlockError(f"self attention scale must be 'none' or 'sqrt', got {scale!r}")
        super().__init__(x, qk=qk, act=act, residual=residual)
        self.temperature = qk ** -0.5 if scale == "sqrt" else 1.0
        if gamma:
            self.gamma = nn.Parameter(torch.zeros(1))

    def attend(self, q, k, v):
        affinity = torch.softmax(torch.matmul(q, k) * self.temperature, dim=-1)  # (B, n, n)
        return torch.matmul(affinity, v)  # (B, n, C)
