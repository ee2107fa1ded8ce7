"""Helpers shared by the attention blocks of the field (attention.md, the family specs): stochastic
depth, the official initialisers, the one-line refusal of a width that does not divide, and
RTFormer's grouped double normalisation (also SCTNet's)."""
from __future__ import annotations

import math

import torch
from torch import nn

from blocks.registry import BlockError


def divisors(n: int, limit: int = 6) -> str:
    """The first few divisors of n, for an error message ("1, 2, 4, 8")."""
    return ", ".join(str(d) for d in [d for d in range(1, n + 1) if n % d == 0][:limit])


def require_divides(block: str, what: str, k: int, n: int, of: str) -> None:
    """One line naming the block and the multiple when `k` does not divide `n`."""
    if k < 1 or n % k:
        raise BlockError(f"attention.{block}: {what}={k} does not divide the {n} {of}; "
                         f"use a divisor of {n} (e.g. {divisors(n)})")


def drop_path(x: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
    """Per-sample stochastic depth (timm's rule: keep with 1 - rate, scale by 1 / keep)."""
    if rate <= 0.0 or not training:
        return x
    keep = 1.0 - rate
    mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)  # (B, 1, ...)
    return x * mask / keep


def fan_out_normal_(module: nn.Module) -> None:
    """Every Conv2d: normal(0, sqrt(2 / fan_out)), fan_out = k*k*out/groups, bias 0 (the MiT, SeaFormer,
    TopFormer and AFFormer `init_weights`); every Linear: trunc-normal std 0.02, bias 0; LayerNorm 1/0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02, a=-2.0, b=2.0)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def double_norm(a: torch.Tensor, groups: int, eps: float = 1e-6) -> torch.Tensor:
    """RTFormer's `_act_dn`: softmax over the positions per slot, then divide each slot by the sum over
    the slots of its group (+ eps) at each position. a: (B, M, H, W) -> same."""
    b, m, h, w = a.shape
    a = torch.softmax(a.reshape(b, groups, m // groups, h * w), dim=-1)  # (B, G, M/G, HW)
    a = a / (a.sum(dim=2, keepdim=True) + eps)
    return a.reshape(b, m, h, w)
