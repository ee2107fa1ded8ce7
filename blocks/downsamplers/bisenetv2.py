"""BiSeNetV2's two input branches. BiSeNet V2: Bilateral Network with Guided Aggregation for
Real-time Semantic Segmentation, Yu et al., IJCV 2021, arXiv:2004.02147; reference code
CoinCheung/BiSeNet `lib/models/bisenetv2.py` (the authors released none; specs/bisenetv2.md §2.1,
§2.2.1).

`detail_branch`: the Detail Branch, wide and shallow: stages of 3x3 conv-BN-ReLU (no bias), the first
of each stage with stride 2 (widths 64/64/128, repeats 2/3/3: stride 8, 128 channels). `out` sets the
last stage's width; `factor` must be 2 ** (number of stages).

`stem_block`: the Semantic Branch's Stem Block: 3x3 s2 conv-BN-ReLU to `out`; then [1x1 to out/2 ->
3x3 s2] beside a 3x3 s2 max-pool (padding 1), concatenated conv path first; then a 3x3 fuse back to
`out` (stride 4).

Differences from the reference code: none. Sub-modules keep its names (S1..S3; conv, left, right,
fuse) and creation order. Initialisation is PyTorch's default (the reference uses Kaiming fan_out).
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


@register(Role.DOWNSAMPLER, "detail_branch", paper="BiSeNet V2 (arXiv:2004.02147)")
class DetailBranch(nn.Module):
    """Plain 3x3 conv-BN-ReLU stages, each opening with a stride-2 conv."""

    def __init__(self, x: FeatureSpec, *, factor: int = 8, out: int | None = None, widths: list = (64, 64, 128),
                 repeats: list = (2, 3, 3)):
        super().__init__()
        if len(widths) != len(repeats) or not widths or any(r < 1 for r in repeats):
            raise BlockError(f"detail_branch needs one width and one repeat (>= 1) per stage, got "
                             f"{list(widths)} and {list(repeats)}")
        if factor != 2 ** len(widths):
            raise BlockError(f"detail_branch with {len(widths)} stages downsamples by {2 ** len(widths)}, "
                             f"not factor={factor}: give one width per factor of 2")
        widths = [*widths[:-1], out or widths[-1]]
        cin = x.channels
        for i, (width, repeat) in enumerate(zip(widths, repeats), 1):
            setattr(self, f"S{i}", nn.Sequential(*(ConvBNAct(cin if j == 0 else width, width, 3, 2 if j == 0 else 1)
                                                   for j in range(repeat))))
            cin = width
        self.stages = len(widths)
        self.out_specs = (FeatureSpec(cin, x.stride * factor),)

    def forward(self, x):
        for i in range(1, self.stages + 1):
            x = getattr(self, f"S{i}")(x)
        return x


@register(Role.DOWNSAMPLER, "stem_block", paper="BiSeNet V2 (arXiv:2004.02147)")
class StemBlock(nn.Module):
    """Strided conv, then a strided conv path beside a max-pool, concatenated and fused (stride 4)."""

    def __init__(self, x: FeatureSpec, *, factor: int = 4, out: int = 16):
        super().__init__()
        if factor != 4:
            raise BlockError(f"stem_block downsamples by 4 (two stride-2 steps), not factor={factor}")
        if out < 2:
            raise BlockError(f"stem_block needs out >= 2 (its conv path halves it), got {out}")
        self.conv = ConvBNAct(x.channels, out, 3, 2)
        self.left = nn.Sequential(ConvBNAct(out, out // 2, 1), ConvBNAct(out // 2, out, 3, 2))
        self.right = nn.MaxPool2d(3, 2, 1)
        self.fuse = ConvBNAct(2 * out, out, 3)
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        x = self.conv(x)
        return self.fuse(torch.cat((self.left(x), self.right(x)), dim=1))
