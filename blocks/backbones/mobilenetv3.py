"""MobileNetV3-Small, the variant inside SGCPNet's official code.

Searching for MobileNetV3 (arXiv:1905.02244); used by Real-Time Semantic Segmentation via
Spatial-Detail Guided Context Propagation (SGCPNet, arXiv:2005.11034). The official SGCPNet code
(zhouyuan888888/SGCPNet, `models/mbnet.py`) uses a popular third-party MobileNetV3-Small port, not
torchvision's, which departs from the MobileNetV3 paper; its behaviour is the default here and each
departure is a kwarg (specs/sgcpnet.md §2.1, §7 A6):
- SE sits after the projection, on the block's output channels (`se_position="project"`); the
  paper puts it on the expanded features after the depthwise conv (`se_position="expand"`).
- SE squeezes to channels // 4 and has BN after both of its 1x1 convs, no conv bias (`se_bn=True`);
  `se_bn=False` gives the paper's biased convs without BN (the paper also rounds the squeeze width to a
  multiple of 8, not reproduced).
- A stride-1 block whose width changes (40 -> 48) gets a 1x1 conv + BN shortcut
  (`shortcut_proj=True`); the paper has no residual there (`shortcut_proj=False`).
Differences from the official code: the stem (conv 3x3 s2 + BN + hswish) is a separate
`downsampler.strided_conv` node, so this block takes the stride-2 stem output; the classification
tail (conv 96 -> 576, pooling, linears) is removed, as SGCPNet removes it; stages after the last
returned one are not built. `strides` (per stage, official 2, 2, 2, 2) is an arena generalisation:
a stage at stride 1 opens with a stride-1 block, which then gets the residual (projected when the
width changes), by the official code's rule.
Submodules are created in the official order so an official state dict maps in order.
"""
from __future__ import annotations

from torch import nn

from blocks.backbones._common import run_stages
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register

# kernel, expand, out, act, se, stride: the official table (specs/sgcpnet.md Table 2.1, bneck0-10).
SMALL = (
    (3, 16, 16, "relu", True, 2),
    (3, 72, 24, "relu", False, 2),
    (3, 88, 24, "relu", False, 1),
    (5, 96, 40, "hswish", True, 2),
    (5, 240, 40, "hswish", True, 1),
    (5, 240, 40, "hswish", True, 1),
    (5, 120, 48, "hswish", True, 1),
    (5, 144, 48, "hswish", True, 1),
    (5, 288, 96, "hswish", True, 2),
    (5, 576, 96, "hswish", True, 1),
    (5, 576, 96, "hswish", True, 1),
)


class SqueezeExcite(nn.Module):
    """Global pool -> 1x1 squeeze -> [BN] -> ReLU -> 1x1 excite -> [BN] -> hard-sigmoid -> scale."""

    def __init__(self, channels: int, reduce: int = 4, bn: bool = True):
        super().__init__()
        mid = max(1, channels // reduce)
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),  # (B, C, 1, 1)
            ConvBNAct(channels, mid, 1, act="relu", bn=bn),
            ConvBNAct(mid, channels, 1, act="hsigmoid", bn=bn),
        )

    def forward(self, x):
        return x * self.gate(x)


class Bneck(nn.Module):
    """1x1 expand -> k x k depthwise (stride) -> 1x1 project -> SE; residual only at stride 1."""

    def __init__(self, cin: int, kernel: int, expand: int, cout: int, act: str, se: bool, stride: int, *,
                 se_position: str, se_bn: bool, se_reduce: int, shortcut_proj: bool):
        super().__init__()
        # the official Block assigns its SE module before its convs
        self.se_project = SqueezeExcite(cout, se_reduce, se_bn) if se and se_position == "project" else nn.Identity()
        self.se_expand = SqueezeExcite(expand, se_reduce, se_bn) if se and se_position == "expand" else nn.Identity()
        self.expand = ConvBNAct(cin, expand, 1, act=act)
        self.depthwise = ConvBNAct(expand, expand, kernel, stride, groups=expand, act=act)
        self.project = ConvBNAct(expand, cout, 1, act=None)
        self.residual = stride == 1 and (cin == cout or shortcut_proj)
        self.shortcut = ConvBNAct(cin, cout, 1, act=None) if self.residual and cin != cout else nn.Identity()

    def forward(self, x):
        y = self.se_project(self.project(self.se_expand(self.depthwise(self.expand(x)))))
        return y + self.shortcut(x) if self.residual else y


@register(Role.BACKBONE, "mobilenetv3_small", paper="MobileNetV3 (arXiv:1905.02244), as in SGCPNet (arXiv:2005.11034)")
class MobileNetV3Small(nn.Module):
    """The 11 bottlenecks of MobileNetV3-Small (after the stem), in 4 stages; returns `out_indices` stages.

    `strides` are per-stage strides (1 or 2; official: 2, 2, 2, 2). `out_indices` picks the returned
    stages, 0-based (SGCPNet uses stages 1-3: strides 8, 16, 32 after its stride-2 stem); stages after
    the last returned one are not built.
    """

    def __init__(self, x: FeatureSpec, *, strides: list = (2, 2, 2, 2), out_indices: list = (1, 2, 3),
                 se_position: str = "project", se_bn: bool = True, se_reduce: int = 4, shortcut_proj: bool = True):
        super().__init__()
        if len(strides) != 4 or any(s not in (1, 2) for s in strides):
            raise BlockError(f"mobilenetv3_small needs 4 stage strides, each 1 or 2, got {list(strides)}")
        out_indices = list(out_indices)
        if not out_indices or sorted(set(out_indices)) != out_indices or not set(out_indices) <= {0, 1, 2, 3}:
            raise BlockError(f"mobilenetv3_small out_indices must be an increasing subset of 0..3, got {out_indices}")
        if se_position not in ("project", "expand"):
            raise BlockError(f"mobilenetv3_small: se_position must be 'project' or 'expand', got {se_position!r}")
        if se_reduce < 1:
            raise BlockError(f"mobilenetv3_small: se_reduce must be >= 1, got {se_reduce}")
        stages: list[list[nn.Module]] = []
        specs: list[FeatureSpec] = []
        cin, stride = x.channels, x.stride
        for kernel, expand, cout, act, se, s in SMALL:
            if s == 2:  # a stride-2 block opens a new stage
                if len(stages) > out_indices[-1]:
                    break  # deeper than any returned stage: not built
                s = strides[len(stages)]
                stages.append([])
                stride *= s
            stages[-1].append(Bneck(cin, kernel, expand, cout, act, se, s, se_position=se_position, se_bn=se_bn,
                                    se_reduce=se_reduce, shortcut_proj=shortcut_proj))
            cin = cout
            specs[len(stages) - 1:] = [FeatureSpec(cout, stride)]
        self.stages = nn.ModuleList(nn.Sequential(*blocks) for blocks in stages)
        self.out_indices = out_indices
        self.out_specs = tuple(specs[i] for i in out_indices)

    def forward(self, x):
        feats = run_stages(self.stages, x)
        return tuple(feats[i] for i in self.out_indices)
