"""Feature Adaptation Block (FAB). S²-FPN: Scale-ware Strip Attention Guided Feature Pyramid
Network for Real-time Semantic Segmentation, Elhassan et al., arXiv:2206.07298.

v1 code `fab` (specs/s2fpn.md §2.1 row 8): grouped 3x3 conv (512 -> 256, groups = out, so each
output channel mixes 2 inputs) -> BN -> ReLU -> element-wise Dropout(0.15). Same as the official code.
The default groups is gcd(in, out): 256 for the official 512 -> 256, and still valid for any `out`
a swap asks for.

Why the `pyramid` role: FAB is the one module between the deepest backbone feature and the top of
the decoder (GFU chain), at the same stride with a new width: the slot other networks fill with a
context module (Fast-SCNN's PPM). As a pyramid, `--swap pyramid=ppm` asks the meaningful question
"what does a context module buy S2-FPN here", and FAB itself can be tried in other networks.
"""
from __future__ import annotations

import math

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.PYRAMID, "fab", paper="S2-FPN (arXiv:2206.07298)")
class FeatureAdaptation(nn.Module):
    """Grouped 3x3 conv-BN-ReLU (groups = gcd(in, out) by default), then dropout."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, groups: int | None = None,
                 dropout: float = 0.15):
        super().__init__()
        out = out or max(1, x.channels // 2)
        groups = groups or math.gcd(x.channels, out)
        if x.channels % groups or out % groups:
            raise BlockError(f"fab groups ({groups}) must divide its input ({x.channels}) and out ({out}) channels")
        self.body = nn.Sequential(ConvBNAct(x.channels, out, 3, groups=groups), nn.Dropout(dropout))
        self.out_specs = (FeatureSpec(out, x.stride),)

    def forward(self, x):
        return self.body(x)
