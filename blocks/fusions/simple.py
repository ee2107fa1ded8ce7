"""Parameter-free fusions: element-wise add and channel concatenation.

`out` (the fusion role's interface kwarg) adds a 1x1 conv-BN-ReLU after the merge when it differs
from the merged width, so that a swap into a slot with a fixed output width still fits. `act` on
`add` applies an activation to the sum (before that projection): DDRNet's and PIDNet's fusion sums
are followed by a ReLU where every consumer reads them activated (specs/ddrnet.md §4). `reverse` on
`concat` concatenates in reverse argument order: with the fusion role's (deep, skip) arguments it
gives [skip, deep], SCTNet's official channel order (arXiv:2312.17071, specs/sctnet.md §2.5), which
the following head's weights depend on.
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ConvBNAct, make_act
from blocks.fusions._common import same_stride
from blocks.registry import BlockError, FeatureSpec, Role, register




@register(Role.FUSION, "add")
class Add(nn.Module):
    """Element-wise sum of inputs with equal channels [, then an activation]."""

    def __init__(self, *xs: FeatureSpec, out: int | None = None, act: str | None = None):
        super().__init__()
        stride = same_stride(xs, "add")
        if len({s.channels for s in xs}) != 1:
            raise BlockError(f"add inputs have {', '.join(str(s.channels) for s in xs)} channels: "
                             "use fusion.concat or project them to one width")
        width = xs[0].channels
        out = out or width
        try:
            self.act = make_act(act)
        except ValueError as e:
            raise BlockError(f"add: {e}") from None
        self.project = ConvBNAct(width, out, 1) if out != width else nn.Identity()
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return self.project(self.act(y))


@register(Role.FUSION, "concat")
class Concat(nn.Module):
    """Channel concatenation (in argument order, or reversed)."""

    def __init__(self, *xs: FeatureSpec, out: int | None = None, reverse: bool = False):
        super().__init__()
        stride = same_stride(xs, "concat")
        width = sum(s.channels for s in xs)
        out = out or width
        self.reverse = reverse
        self.project = ConvBNAct(width, out, 1) if out != width else nn.Identity()
        self.out_specs = (FeatureSpec(out, stride),)

    def forward(self, *xs):
        return self.project(torch.cat(xs[::-1] if self.reverse else xs, dim=1))
