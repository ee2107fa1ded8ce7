"""Token Pyramid Module: a MobileNetV2 trunk that returns the outputs of chosen layers.
TopFormer: Token Pyramid Transformer for Mobile Semantic Segmentation, Zhang et al., CVPR 2022,
arXiv:2204.05525 (hustvl/TopFormer `TokenPyramidModule`, specs/topformer.md §2.2); the same trunk is
SeaFormer's `StackedMV2Block`s (arXiv:2301.13156, fudan-zvg/SeaFormer, specs/seaformer.md §2.2).

One inverted residual per entry of the flat lists `kernels`, `expands`, `widths`, `strides`: a 1x1
conv-BN-act expansion to round(in * t) channels (left out when t = 1, the MobileNetV2 convention),
a k x k depthwise conv-BN-act (stride s, padding k // 2), a linear 1x1 conv-BN; the input is added
when s = 1 and in = out. `stem` > 0 puts a 3x3 stride-2 conv-BN-act of that width first (`stem=0`:
none, SeaFormer's `smb5`, which continues after a transformer stage). `outs` are the layer indices
whose outputs are returned, each at its cumulative stride. ReLU by default (both official trunks:
their ReLU6 is the transformers'). Module layout as the official: `stem`, then `layers.{i}.conv.{j}`
with the activations at the odd indices. Init, official `init_weights`: convs normal(0,
sqrt(2 / fan_out)), BN 1/0. Differences from the official code: none in the function.
"""
from __future__ import annotations

from torch import nn

from blocks.attention._common import fan_out_normal_
from blocks.layers import ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register


class InvertedResidual(nn.Module):
    """[1x1 expand -> act] -> k x k depthwise (stride) -> act -> linear 1x1; residual when shapes match."""

    def __init__(self, cin: int, cout: int, kernel: int, expand: float, stride: int, act: str):
        super().__init__()
        hidden = int(round(cin * expand))
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [ConvBNAct(cin, hidden, 1, act=None), make_act(act)]
        layers += [ConvBNAct(hidden, hidden, kernel, stride, groups=hidden, act=None), make_act(act),
                   ConvBNAct(hidden, cout, 1, act=None)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


@register(Role.BACKBONE, "tpm", paper="TopFormer (arXiv:2204.05525) / SeaFormer (arXiv:2301.13156)")
class TokenPyramid(nn.Module):
    """[3x3 s2 stem] then MobileNetV2 inverted residuals; the outputs of the layers in `outs`."""

    example_kwargs = {"kernels": [3, 5, 3], "expands": [1, 3, 6], "widths": [16, 24, 32], "strides": [1, 2, 2],
                      "outs": [1, 2], "stem": 0}

    def __init__(self, x: FeatureSpec, *, kernels: list = (3, 3, 3, 5, 5, 3, 3, 5, 5, 3),
                 expands: list = (1, 4, 3, 3, 3, 3, 3, 6, 6, 6),
                 widths: list = (16, 32, 32, 64, 64, 128, 128, 160, 160, 160),
                 strides: list = (1, 2, 1, 2, 1, 2, 1, 2, 1, 1), outs: list = (2, 4, 6, 9), stem: int = 16,
                 act: str = "relu"):
        super().__init__()
        n = len(widths)
        if not n or not len(kernels) == len(expands) == len(strides) == n:
            raise BlockError(f"tpm: kernels, expands, widths and strides need one entry per layer, got "
                             f"{len(kernels)}, {len(expands)}, {len(widths)} and {len(strides)}")
        if not outs or sorted(set(outs)) != list(outs) or outs[0] < 0 or outs[-1] != n - 1:
            raise BlockError(f"tpm: outs must be increasing layer indices ending at the last layer, {n - 1} "
                             f"(a layer after it would compute nothing), got {list(outs)}")
        if min(widths) < 1 or min(expands) <= 0 or any(s not in (1, 2) for s in strides) or stem < 0:
            raise BlockError(f"tpm: widths >= 1, expands > 0, strides 1 or 2 and stem >= 0, got {list(widths)}, "
                             f"{list(expands)}, {list(strides)}, {stem}")
        try:
            make_act(act)
        except ValueError as e:
            raise BlockError(f"tpm: {e}") from None
        cin, stride = x.channels, x.stride
        if stem:
            self.stem = nn.Sequential(ConvBNAct(cin, stem, 3, 2, act=None), make_act(act))
            cin, stride = stem, stride * 2
        self.layers = nn.ModuleList()
        specs = []
        for k, t, c, s in zip(kernels, expands, widths, strides):
            self.layers.append(InvertedResidual(cin, c, k, t, s, act))
            cin, stride = c, stride * s
            specs.append(FeatureSpec(c, stride))
        self.outs = tuple(outs)
        fan_out_normal_(self)
        self.out_specs = tuple(specs[i] for i in self.outs)

    def forward(self, x):
        if hasattr(self, "stem"):
            x = self.stem(x)
        found = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.outs:
                found.append(x)
        return tuple(found) if len(found) > 1 else found[0]
