"""The `up` branch of FANet's top-down path, registered as `op.fanet_up` (a plain layer, not a slot).

Real-time Semantic Segmentation with Fast Attention, Hu et al., RA-L 2021, arXiv:2007.03815
(official code: feinanshan/FANet, `LAFeatureFusionModule.up`; specs/fanet.md §2.2, §7.4 item 3).
After a stage's attention output has been summed with the coarser stage, a 1x1 conv-BN-act halves
its channels before it is upsampled onto the next finer stage. It lives beside the fusions because
it feeds the next `fusion.add`; it is an op so that `--swap fusion=...` leaves it in place.

Official quirk kept as the default: the 1x1 conv has padding=1 (`up_padding=1`), so its output is
(H+2)x(W+2) with a constant ring; the following bilinear resize to the finer stage hides the size
but not the ring or the half-pixel misalignment. `up_padding=0` gives the clean 1x1 that the spec
(§8 A4) recommends.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.OP, "fanet_up", paper="Real-time Semantic Segmentation with Fast Attention (arXiv:2007.03815)")
class FANetUp(nn.Module):
    """1x1 conv-BN-act to `out` channels (default half), with the official padding=1 quirk."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, up_padding: int = 1, act: str = "leaky"):
        super().__init__()
        if up_padding < 0:
            raise BlockError(f"fanet_up: up_padding must be >= 0, got {up_padding}")
        out = out or x.channels // 2
        self.body = ConvBNAct(x.channels, out, 1, padding=up_padding, act=act)
        self.out_specs = (FeatureSpec(out, x.stride),)  # nominal: the padding adds a ring of pixels
        self.extra_border = up_padding  # declared, so shape checks expect (H + 2p, W + 2p)

    def forward(self, x):
        return self.body(x)
