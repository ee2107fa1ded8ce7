"""Max-pooling downsampler: BiFPN's level-to-level downsampling as SGCPNet uses it.

Real-Time Semantic Segmentation via Spatial-Detail Guided Context Propagation (arXiv:2005.11034),
official code zhouyuan888888/SGCPNet `SGCPmodule.py`: MaxPool 3x3, stride 2, padding 1, used to
build the pooled context levels P6/P7 and to downsample in the bottom-up pass. Differences from
the official code: the bottom-up pass there follows each pool with a nearest resize to the target
level's size; since a 3x3/s2/p1 pool yields ceil(h/2), the same size as the backbone's stride-2
convs (pad k//2), that resize is an identity and is not a node here (fvcore counted it as one
op per element: about 0.02 % of SGCPNet's MACs).
For factor f the pool is (f+1) x (f+1), stride f, padding f//2 (f = 2 gives the official pool).
`out` != channels adds a 1x1 conv + BN after the pool (at the coarse resolution, where it is cheap).
"""
from __future__ import annotations

from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "maxpool", paper="SGCPNet (arXiv:2005.11034)")
class MaxPool(nn.Module):
    """Max pooling with stride = factor; optional 1x1 conv-BN projection to `out` channels."""

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int | None = None, kernel: int | None = None):
        super().__init__()
        if factor < 2:
            raise BlockError(f"maxpool needs factor >= 2, got {factor}")
        kernel = kernel or factor + 1
        if kernel < factor:
            raise BlockError(f"maxpool kernel {kernel} is smaller than its stride {factor}: pixels would be skipped")
        out = out or x.channels
        self.pool = nn.MaxPool2d(kernel, factor, padding=min(factor // 2, kernel // 2))
        self.project = ConvBNAct(x.channels, out, 1, act=None) if out != x.channels else nn.Identity()
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return self.project(self.pool(x))
