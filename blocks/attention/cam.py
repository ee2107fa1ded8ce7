"""Channel attention module (CAM). Dual Attention Network for Scene Segmentation, Fu et al., CVPR
2019, arXiv:1809.02983. Official code: junfu1115/DANet, `encoding/nn/da_att.py`, `CAM_Module`
(specs/attention.md §7.2).

No convs: energy E = A A^T over the flattened map (C x C, `bmm`), then the official code's
softmax(rowmax(E) - E), which equals softmax(-E): each channel attends most to the channels least
similar to it (the maintainer: it prevents divergence; the usual form "performance is not good").
The paper writes softmax(E): `energy="paper"`. out = attention A; output gamma * out + x, gamma
starting at 0 (the block's only parameter). The max-minus form is computed literally (softmax(-E)
differs by ~7e-6). Memory: a C x C map. Differences from the official code: none.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "cam", paper="DANet (arXiv:1809.02983)")
class ChannelAttention(nn.Module):
    """gamma * softmax(rowmax(A A^T) - A A^T) A + x over channels (DANet's channel attention)."""

    def __init__(self, x: FeatureSpec, *, energy: str = "max_minus"):
        super().__init__()
        if energy not in ("max_minus", "paper"):
            raise BlockError(f"attention.cam: energy must be 'max_minus' (official) or 'paper', got {energy!r}")
        self.energy = energy
        self.gamma = nn.Parameter(torch.zeros(1))
        self.out_specs = (x,)

    def forward(self, x):
        b, c, h, w = x.shape
        a = x.reshape(b, c, h * w)  # (B, C, n)
        e = torch.bmm(a, a.permute(0, 2, 1))  # (B, C, C)
        if self.energy == "max_minus":
            e = torch.max(e, -1, keepdim=True)[0].expand_as(e) - e
        out = torch.bmm(torch.softmax(e, dim=-1), a).reshape(b, c, h, w)  # (B, C, H, W)
        return self.gamma * out + x
