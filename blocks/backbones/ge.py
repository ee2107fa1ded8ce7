"""BiSeNetV2's Semantic Branch body: Gather-and-Expansion (GE) layers. BiSeNet V2: Bilateral Network
with Guided Aggregation for Real-time Semantic Segmentation, Yu et al., IJCV 2021, arXiv:2004.02147;
reference code CoinCheung/BiSeNet `GELayerS1` / `GELayerS2` (specs/bisenetv2.md §2.2.2, §3.1).

Takes the Stem Block's stride-4 output and returns every stage (stride 8, 16, 32; the booster heads
read them all). Each stage is a stride-2 GE layer and stride-1 ones (widths 32/64/128, layers
2/2/4, expansion 6).
- stride 1: 3x3 CBR (C -> C, the gather conv), depthwise 3x3 with channel multiplier e (C -> eC) +
  BN + ReLU, 1x1 projection + BN, add the input, ReLU.
- stride 2: 3x3 CBR (Cin -> Cin), depthwise 3x3 s2 with multiplier e + BN (no activation), true
  depthwise 3x3 + BN + ReLU, 1x1 projection + BN; shortcut depthwise 3x3 s2 + BN + 1x1 + BN; add, ReLU.

As the reference code, not the paper's text: `expand_at="dw"` expands in the depthwise conv (the
paper's gather conv expands: `expand_at="conv"`, a dense 3x3 Cin -> eCin followed by a true depthwise
conv; +2.69 M parameters, spec §8 A1), and a ReLU follows the (last) depthwise conv (the paper has
none: `dw_act=None`, spec §8 A2). The projection BN starts at weight 0 (`zero_init_last`, the
reference's `last_bn`), so each layer starts as ReLU(shortcut); it does not change the function.
Sub-modules keep the reference names (conv1, dwconv / dwconv1 + dwconv2, conv2, shortcut).
"""
from __future__ import annotations

from torch import nn

from blocks.backbones._common import run_stages
from blocks.layers import ConvBNAct, make_act
from blocks.registry import BlockError, FeatureSpec, Role, register

EXPAND_AT = ("dw", "conv")


def _dw(cin: int, cout: int, stride: int, act: str | None) -> nn.Sequential:
    """Grouped 3x3 (groups = cin; cout a multiple of cin) + BN [+ act]."""
    layers = [nn.Conv2d(cin, cout, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(make_act(act))
    return nn.Sequential(*layers)


class GELayer(nn.Module):
    """One Gather-and-Expansion layer (stride 1 or 2)."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int, expand_at: str, dw_act: str | None,
                 zero_init_last: bool):
        super().__init__()
        mid = cin * expand
        gather_out = mid if expand_at == "conv" else cin
        self.conv1 = ConvBNAct(cin, gather_out, 3)
        if stride == 1:
            self.dwconv = _dw(gather_out, mid, 1, dw_act)
        else:
            self.dwconv1 = _dw(gather_out, mid, 2, None)
            self.dwconv2 = _dw(mid, mid, 1, dw_act)
        self.conv2 = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))
        if zero_init_last:
            nn.init.zeros_(self.conv2[1].weight)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False),
                                          nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False),
                                          nn.BatchNorm2d(cout))
        self.stride = stride
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        y = self.conv1(x)
        y = self.dwconv(y) if self.stride == 1 else self.dwconv2(self.dwconv1(y))
        y = self.conv2(y)
        short = self.shortcut(x) if hasattr(self, "shortcut") else x
        return self.act(y + short)


@register(Role.BACKBONE, "ge", paper="BiSeNet V2 (arXiv:2004.02147)")
class GatherExpansion(nn.Module):
    """Stages of GE layers (the first of each strided); returns every stage's output."""

    def __init__(self, x: FeatureSpec, *, strides: list = (2, 2, 2), widths: list = (32, 64, 128),
                 repeats: list = (2, 2, 4), expand: int = 6, expand_at: str = "dw", dw_act: str | None = "relu",
                 zero_init_last: bool = True):
        super().__init__()
        if not len(strides) == len(widths) == len(repeats):
            raise BlockError(f"ge: strides, widths and repeats need one entry per stage, got "
                             f"{len(strides)}, {len(widths)} and {len(repeats)}")
        if any(s not in (1, 2) for s in strides) or any(r < 1 for r in repeats) or expand < 1:
            raise BlockError(f"ge: strides must be 1 or 2, repeats and expand >= 1, got {list(strides)}, "
                             f"{list(repeats)}, {expand}")
        if expand_at not in EXPAND_AT:
            raise BlockError(f"ge expand_at must be one of {', '.join(EXPAND_AT)}, got {expand_at!r}")
        stages, specs, cin, stride = [], [], x.channels, x.stride
        for s, width, repeat in zip(strides, widths, repeats):
            stages.append(nn.Sequential(*(GELayer(cin if i == 0 else width, width, s if i == 0 else 1, expand,
                                                  expand_at, dw_act, zero_init_last) for i in range(repeat))))
            cin, stride = width, stride * s
            specs.append(FeatureSpec(width, stride))
        self.stages = nn.ModuleList(stages)
        self.out_specs = tuple(specs)

    def forward(self, x):
        return tuple(run_stages(self.stages, x))
