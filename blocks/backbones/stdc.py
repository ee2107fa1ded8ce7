"""STDC network backbone ("Short-Term Dense Concatenate"). Rethinking BiSeNet For Real-time Semantic
Segmentation, Fan et al., CVPR 2021, arXiv:2104.13188; official code MichaelFan01/STDC-Seg
(`nets/stdcnet.py`: `STDCNet813` = STDC1, `STDCNet1446` = STDC2; specs/stdc.md §2.2, §3.1).

The two-conv stem (`features.0-1`) is the separate node `downsampler.df_stem`, so this block takes
the stride-4 stem output and returns the three stage outputs (stride 8, 16, 32). Each stage is a
stride-2 STDC module followed by stride-1 ones. One module (`CatBottleneck`, "cat" type): a 1x1
conv-BN-ReLU to out/2 (block 1), then 3x3 conv-BN-ReLUs halving the width (out/4, out/8, ...; the
last keeps it), each feeding the next; the output is the concatenation of all blocks (block 1
average-pooled in stride-2 modules). No residual, no activation after the concat.

Differences from the official code: none for the defaults. As the code (not the paper's figure),
the downsampling of a stride-2 module is a depthwise 3x3 s2 conv + BN without activation
(`avd_layer`) between block 1 and block 2, block 2 itself has stride 1, and the pooled skip is
AvgPool2d(3, 2, 1) with count_include_pad=True (`skip_count_pad=False` excludes the padding, as
PaddleSeg's port in PP-LiteSeg: Paddle's AvgPool2D default, specs/pp_liteseg.md §2.2). Sub-modules
keep the official names (`conv_list`, `avd_layer`) and creation order (conv_list registered before
avd_layer). The unused "add" module type, `use_conv_last` and the ImageNet classifier are not
built. Initialisation is PyTorch's default (the official code uses Kaiming fan_out; it matters
only when training from scratch).
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.backbones._common import run_stages
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


class STDCModule(nn.Module):
    """One STDC module: `convs` blocks of geometrically shrinking width, concatenated."""

    def __init__(self, cin: int, cout: int, stride: int, convs: int = 4, skip_count_pad: bool = True):
        super().__init__()
        self.conv_list = nn.ModuleList()  # registered first: the official state-dict order
        half = cout // 2
        if stride == 2:
            self.avd_layer = nn.Sequential(nn.Conv2d(half, half, 3, 2, 1, groups=half, bias=False),
                                           nn.BatchNorm2d(half))
            self.skip = nn.AvgPool2d(3, 2, 1, count_include_pad=skip_count_pad)
        self.stride = stride
        for i in range(convs):
            if i == 0:
                self.conv_list.append(ConvBNAct(cin, half, 1))
            elif i == 1:
                self.conv_list.append(ConvBNAct(half, half if convs == 2 else cout // 4, 3))
            elif i < convs - 1:
                self.conv_list.append(ConvBNAct(cout // 2 ** i, cout // 2 ** (i + 1), 3))
            else:
                self.conv_list.append(ConvBNAct(cout // 2 ** i, cout // 2 ** i, 3))

    def forward(self, x):
        first = self.conv_list[0](x)
        y = self.avd_layer(first) if self.stride == 2 else first
        outs = [self.skip(first) if self.stride == 2 else first]
        for conv in self.conv_list[1:]:
            y = conv(y)
            outs.append(y)
        return torch.cat(outs, dim=1)


@register(Role.BACKBONE, "stdc", paper="STDC-Seg (arXiv:2104.13188)")
class STDCNet(nn.Module):
    """Stages of STDC modules (first one strided); returns every stage's output."""

    def __init__(self, x: FeatureSpec, *, strides: list = (2, 2, 2), widths: list = (256, 512, 1024),
                 repeats: list = (2, 2, 2), convs: int = 4, skip_count_pad: bool = True):
        super().__init__()
        if not len(strides) == len(widths) == len(repeats):
            raise BlockError(f"stdc: strides, widths and repeats need one entry per stage, got "
                             f"{len(strides)}, {len(widths)} and {len(repeats)}")
        if any(s not in (1, 2) for s in strides) or any(r < 1 for r in repeats):
            raise BlockError(f"stdc: strides must be 1 or 2 and repeats >= 1, got {list(strides)}, {list(repeats)}")
        if convs < 2 or any(w % 2 ** (convs - 1) for w in widths):
            raise BlockError(f"stdc: convs must be >= 2 and every width divisible by 2**(convs-1) = "
                             f"{2 ** max(convs - 1, 0)}, got convs={convs}, widths={list(widths)}")
        stages, specs, cin, stride = [], [], x.channels, x.stride
        for s, width, repeat in zip(strides, widths, repeats):
            stages.append(nn.Sequential(*(STDCModule(cin if i == 0 else width, width, s if i == 0 else 1, convs,
                                                     skip_count_pad) for i in range(repeat))))
            cin, stride = width, stride * s
            specs.append(FeatureSpec(width, stride))
        self.stages = nn.ModuleList(stages)
        self.out_specs = tuple(specs)

    def forward(self, x):
        return tuple(run_stages(self.stages, x))
