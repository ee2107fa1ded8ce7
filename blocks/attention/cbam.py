"""Convolutional Block Attention Module (CBAM). CBAM: Convolutional Block Attention Module, Woo et
al., ECCV 2018, arXiv:1807.06521. Official code: Jongchan/attention-module, `MODELS/cbam.py`,
`CBAM` = `ChannelGate` then `SpatialGate` (specs/attention.md §5).

Channel gate: full-map average and max pools, one shared MLP (Linear C -> h, ReLU, Linear h -> C,
biases), summed (avg first), sigmoid, x' = x * gate. Spatial gate: [max; mean] over the channels
(max first, as the code), a 7x7 conv without bias, BN (momentum 0.01), sigmoid, x' * gate. No
residual. h = max(min_hidden, C // reduction) (official for C >= 16). The global pools are
full-kernel `avg_pool2d` / `max_pool2d`, as the official (fvcore counts them 0).

Official vs paper, as arguments: the paper's spatial gate is [avg; max] without BN
(`pool_order="avg_max", spatial_bn=False`). Init: `init="resnet"` (default) reproduces the only
trained setting, the key-name rule of the official ResidualNet: spatial conv Kaiming-normal fan_out,
spatial BN gamma 0 (the spatial gate starts at a constant 0.5), every bias 0, MLP weights PyTorch's
default; `init="default"` is the standalone module's PyTorch init.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.registry import BlockError, FeatureSpec, Role, register

POOLS = ("avg", "max", "lp", "lse")


class ChannelGate(nn.Module):
    """x * sigmoid(sum over pools of MLP(pool(x)))."""

    def __init__(self, c: int, hidden: int, pools: tuple[str, ...]):
        super().__init__()
        self.pools = pools
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(c, hidden), nn.ReLU(), nn.Linear(hidden, c))

    def pool(self, x, kind: str):
        size = (x.shape[2], x.shape[3])
        if kind == "avg":
            return F.avg_pool2d(x, size, stride=size)  # (B, C, 1, 1)
        if kind == "max":
            return F.max_pool2d(x, size, stride=size)
        if kind == "lp":
            return F.lp_pool2d(x, 2, size, stride=size)
        flat = x.flatten(2)  # (B, C, HW): log-sum-exp, shifted by the max as the official
        top = flat.max(dim=2, keepdim=True)[0]
        return (top + (flat - top).exp().sum(dim=2, keepdim=True).log()).unsqueeze(-1)

    def forward(self, x):
        total = None
        for kind in self.pools:
            raw = self.mlp(self.pool(x, kind))  # (B, C)
            total = raw if total is None else total + raw
        return x * torch.sigmoid(total)[:, :, None, None].expand_as(x)


class SpatialGate(nn.Module):
    """x * sigmoid(BN(conv7x7([max_c; mean_c](x))))."""

    def __init__(self, kernel: int, bn: bool, max_first: bool):
        super().__init__()
        self.max_first = max_first
        self.conv = nn.Conv2d(2, 1, kernel, padding=(kernel - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(1, eps=1e-5, momentum=0.01) if bn else nn.Identity()

    def forward(self, x):
        mx, mean = x.max(dim=1, keepdim=True)[0], x.mean(dim=1, keepdim=True)  # (B, 1, H, W) each
        pooled = torch.cat([mx, mean] if self.max_first else [mean, mx], dim=1)  # (B, 2, H, W)
        return x * torch.sigmoid(self.bn(self.conv(pooled)))


@register(Role.ATTENTION, "cbam", paper="CBAM (arXiv:1807.06521)")
class CBAM(nn.Module):
    """Channel gate (shared MLP on avg and max pools), then spatial gate (7x7 conv on [max; mean])."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 16, min_hidden: int = 1, pools: str = "avg,max",
                 spatial: bool = True, spatial_bn: bool = True, pool_order: str = "max_mean", kernel: int = 7,
                 init: str = "resnet"):
        super().__init__()
        kinds = tuple(p.strip() for p in pools.split(","))
        if not kinds or any(k not in POOLS for k in kinds):
            raise BlockError(f"attention.cbam: pools must be a comma list of {', '.join(POOLS)}, got {pools!r}")
        if reduction < 1 or min_hidden < 1:
            raise BlockError(f"attention.cbam: reduction and min_hidden must be >= 1, got {reduction}, {min_hidden}")
        if pool_order not in ("max_mean", "avg_max"):
            raise BlockError(f"attention.cbam: pool_order must be 'max_mean' (official) or 'avg_max' (paper), "
                             f"got {pool_order!r}")
        if kernel < 1 or kernel % 2 == 0:
            raise BlockError(f"attention.cbam: kernel must be odd and >= 1, got {kernel}")
        if init not in ("resnet", "default"):
            raise BlockError(f"attention.cbam: init must be 'resnet' (official ResidualNet) or 'default', got {init!r}")
        hidden = max(min_hidden, x.channels // reduction)
        self.channel_gate = ChannelGate(x.channels, hidden, kinds)
        self.spatial_gate = SpatialGate(kernel, spatial_bn, pool_order == "max_mean") if spatial else None
        if init == "resnet":
            for lin in (self.channel_gate.mlp[1], self.channel_gate.mlp[3]):
                nn.init.zeros_(lin.bias)
            if self.spatial_gate is not None:
                nn.init.kaiming_normal_(self.spatial_gate.conv.weight, mode="fan_out")
                if spatial_bn:
                    nn.init.zeros_(self.spatial_gate.bn.weight)
                    nn.init.zeros_(self.spatial_gate.bn.bias)
        self.out_specs = (x,)

    def forward(self, x):
        x = self.channel_gate(x)
        return self.spatial_gate(x) if self.spatial_gate is not None else x
