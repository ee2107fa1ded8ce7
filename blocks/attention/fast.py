"""Fast attention. Real-time Semantic Segmentation with Fast Attention, Hu et al., RA-L 2021,
arXiv:2007.03815 (official code: feinanshan/FANet, `LAFeatureFusionModule`).

The block is the attention part of FANet's fusion module (specs/fanet.md §2.2, §3.2): 1x1
projections q, k (C -> 32, BN, no activation) and v (C -> C, BN, act); q and k L2-normalised per
pixel over channels; Y = Q (K^T V), so the cost is linear in the number of pixels n; then the
out-projection ("latlayer", 1x1 C -> C, BN, act) and the residual with the input. Everything that
keeps the input shape lives here, so `attention=none` removes exactly this computation, and
`attention=self` (blocks/attention/self_attention.py) changes only the affinity. The top-down
add, the `up` and `smooth` branches are separate decoder nodes in blocks/nets/fanet.arena.

Differences from the paper / official code, all kwargs:
- `scale`: the paper divides by n; the official code does not ("none", the default). "1/n" is
  applied to the small c' x C context matrix K^T V (mathematically the same as on the output).
- `act`: LeakyReLU(0.01) after v and the out-projection, as the official norm layer.
- Initialisation is PyTorch's default, not the official Kaiming-normal(a=1); no weights exist
  to reproduce either way.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


class QKVAttention(nn.Module):
    """Shared q/k/v projections, out-projection and residual; subclasses define `attend`."""

    def __init__(self, x: FeatureSpec, *, qk: int, act: str, residual: bool):
        super().__init__()
        if qk < 1:
            raise BlockError(f"{self.block_name}: qk (query/key width) must be >= 1, got {qk}")
        c = x.channels
        self.q = ConvBNAct(c, qk, 1, act=None)
        self.k = ConvBNAct(c, qk, 1, act=None)
        self.v = ConvBNAct(c, c, 1, act=act)
        self.out = ConvBNAct(c, c, 1, act=act)
        self.residual = residual
        self.gamma: nn.Parameter | None = None  # optional learnable weight of the attention branch
        self.out_specs = (x,)

    def attend(self, q, k, v):
        raise NotImplementedError

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.q(x).flatten(2).transpose(1, 2)  # (B, n, qk)
        k = self.k(x).flatten(2)  # (B, qk, n)
        v = self.v(x).flatten(2).transpose(1, 2)  # (B, n, C)
        y = self.attend(q, k, v)  # (B, n, C)
        y = self.out(y.transpose(1, 2).reshape(b, c, h, w))  # (B, C, H, W)
        if self.gamma is not None:
            y = self.gamma * y
        return y + x if self.residual else y


@register(Role.ATTENTION, "fast", paper="Real-time Semantic Segmentation with Fast Attention (arXiv:2007.03815)")
class FastAttention(QKVAttention):
    """Cosine-similarity attention computed as Q^(K^T V): linear in the number of pixels."""

    def __init__(self, x: FeatureSpec, *, qk: int = 32, scale: str = "none", act: str = "leaky",
                 residual: bool = True, eps: float = 1e-12):
        if scale not in ("none", "1/n"):
            raise BlockError(f"fast attention scale must be 'none' (official code) or '1/n' (paper), got {scale!r}")
        super().__init__(x, qk=qk, act=act, residual=residual)
        self.scale, self.eps = scale, eps

    def attend(self, q, k, v):
        q = F.normalize(q, p=2, dim=2, eps=self.eps)  # per pixel, over the qk channels
        k = F.normalize(k, p=2, dim=1, eps=self.eps)
        context = torch.matmul(k, v)  # (B, qk, C): the global context matrix
        if self.scale == "1/n":
            context = context / k.shape[-1]
        return torch.matmul(q, context)  # (B, n, C)
