"""Squeeze-and-Excitation. Squeeze-and-Excitation Networks, Hu et al., CVPR 2018, arXiv:1709.01507.

A channel-attention baseline for `--swap attention=se`: global average pool, FC C->C/r, ReLU,
FC C/r->C, sigmoid, and the input rescaled channel-wise. The FCs are 1x1 convs with bias, as in
the paper's FC layers. Differences from the official (Caffe) code: none in the computation; the
hidden width is floored at `min_hidden` (8) so the narrow features of real-time networks
(32 channels at r=16 would give 2) keep a usable bottleneck. `min_hidden=1` gives the paper's C/r.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn

from blocks.layers import make_act
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.ATTENTION, "se", paper="Squeeze-and-Excitation Networks (arXiv:1709.01507)")
class SqueezeExcitation(nn.Module):
    """x * gate(FC(ReLU(FC(mean_hw(x))))): one scalar weight per channel, from global context."""

    def __init__(self, x: FeatureSpec, *, reduction: int = 16, min_hidden: int = 8, gate: str = "sigmoid"):
        super().__init__()
        if reduction < 1 or min_hidden < 1:
            raise BlockError(f"se needs reduction >= 1 and min_hidden >= 1, got {reduction} and {min_hidden}")
        if gate not in ("sigmoid", "hsigmoid"):
            raise BlockError(f"se gate must be 'sigmoid' or 'hsigmoid', got {gate!r}")
        hidden = max(min_hidden, x.channels // reduction)
        self.reduce = nn.Conv2d(x.channels, hidden, 1)
        self.act = nn.ReLU(inplace=True)
        self.expand = nn.Conv2d(hidden, x.channels, 1)
        self.gate = make_act(gate)
        self.out_specs = (FeatureSpec(x.channels, x.stride),)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)  # (B, C, 1, 1)
        s = self.gate(self.expand(self.act(self.reduce(s))))
        return x * s
