"""Global context block (GC). GCNet: Non-local Networks Meet Squeeze-Excitation Networks and Beyond,
Cao et al., ICCV Workshops 2019, arXiv:1904.11492. Official code: xvjiarui/GCNet,
`mmdet/ops/gcb/context_block.py`, `ContextBlock` (specs/attention.md §8).

Context modelling: a 1x1 conv C -> 1 (bias) gives a softmax over the H*W positions, and the context
is x weighted by it (`matmul`, as the official: fvcore counts C*H*W MACs); `pooling="avg"` uses a
global average pool instead. Transform: 1x1 C -> P (bias), LayerNorm([P, 1, 1]), ReLU, 1x1 P -> C
(bias); fused by broadcast add (default, "GC(c3-c5, r16)"), by x * sigmoid(.) (`fusion="mul"`), or
both ("add+mul": the add branch is created first, the mul branch runs first, as the official).
P = max(min_planes, C // reduction) (C // 16 equals the official int(C / 16)). Init, official: the
mask conv Kaiming-normal fan_in with bias 0, the last conv of each fusion branch zero, so the add
fusion starts as the identity. The mask conv's bias shifts every logit equally: it never changes
the output and its gradient is 0 (kept: it is in the official state dict). Differences: none.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register


def _transform(c: int, p: int) -> nn.Sequential:
    last = nn.Conv2d(p, c, 1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(nn.Conv2d(c, p, 1), nn.LayerNorm([p, 1, 1]), nn.ReLU(inplace=True), last)


@register(Role.ATTENTION, "gc", paper="GCNet (arXiv:1904.11492)")
class GlobalContext(nn.Module):
    """x + transform(softmax-pooled context): one global context vector per image, added to every pixel."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 16, min_planes: int = 1, pooling: str = "att",
                 fusion: str = "add"):
        super().__init__()
        if reduction < 1 or min_planes < 1:
            raise BlockError(f"attention.gc: reduction and min_planes must be >= 1, got {reduction}, {min_planes}")
        if pooling not in ("att", "avg"):
            raise BlockError(f"attention.gc: pooling must be 'att' (official) or 'avg', got {pooling!r}")
        if fusion not in ("add", "mul", "add+mul"):
            raise BlockError(f"attention.gc: fusion must be 'add', 'mul' or 'add+mul', got {fusion!r}")
        c = x.channels
        p = max(min_planes, c // reduction)
        self.conv_mask = nn.Conv2d(c, 1, 1) if pooling == "att" else None
        if self.conv_mask is not None:
            nn.init.kaiming_normal_(self.conv_mask.weight, mode="fan_in", nonlinearity="relu")
            nn.init.zeros_(self.conv_mask.bias)
        self.channel_add_conv = _transform(c, p) if "add" in fusion else None
        self.channel_mul_conv = _transform(c, p) if "mul" in fusion else None
        self.out_specs = (x,)

    def context(self, x):
        b, c, h, w = x.shape
        if self.conv_mask is None:
            return nn.functional.adaptive_avg_pool2d(x, 1)  # (B, C, 1, 1)
        mask = torch.softmax(self.conv_mask(x).reshape(b, 1, h * w), dim=2).unsqueeze(-1)  # (B, 1, n, 1)
        return torch.matmul(x.reshape(b, 1, c, h * w), mask).reshape(b, c, 1, 1)  # (B, C, 1, 1)

    def forward(self, x):
        ctx = self.context(x)
        out = x
        if self.channel_mul_conv is not None:
            out = out * torch.sigmoid(self.channel_mul_conv(ctx))
        if self.channel_add_conv is not None:
            out = out + self.channel_add_conv(ctx)
        return out
