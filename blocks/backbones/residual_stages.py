"""Residual stages of the dual-resolution trunks: `rb` (BasicBlock stage) and `rbb` (Bottleneck stage).

Deep Dual-resolution Networks for Real-time and Accurate Semantic Segmentation of Road Scenes (DDRNet),
Hong et al., arXiv:2101.06085 (official code ydhongHIT/DDRNet, specs/ddrnet.md §2.2-2.3), and
PIDNet: A Real-time Semantic Segmentation Network Inspired by PID Controllers, Xu et al., CVPR 2023,
arXiv:2206.02066 (official code XuJiacong/PIDNet, specs/pidnet.md §2.2-2.4; the paper's "RB" and "RBB").
Both codes build their trunks as one node per stage, with the same two blocks:
- BasicBlock: 3x3(stride)-BN-ReLU-3x3-BN, plus the shortcut (a 1x1 conv + BN projection when the stride
  or width changes), then ReLU, **except after the last block of a stage**: every stage returns its
  pre-activation sum, and the network applies the ReLU where a conv reads it. `last_act=None` is that
  official behaviour; `last_act="relu"` is exactly equivalent where every consumer ReLUs the output.
- Bottleneck (expansion 2, stride on the 3x3): 1x1-BN-ReLU-3x3(stride)-BN-ReLU-1x1-BN plus the shortcut,
  and **no output ReLU**, not even between the two Bottlenecks of PIDNet's layer5 (the official default
  `no_relu=True` reaches the first block too). `mid_act=True` gives the textbook ReLU between blocks.
Modules are created and named as in the official code (`conv1, bn1, conv2, bn2[, conv3, bn3], downsample`),
block by block, so an official stage's state dict loads by name. `rb(bias=True)` gives every conv of the
BasicBlocks and their projections a bias before its BN, as SCTNet's PyTorch port of them has (mmcv's
default; arXiv:2312.17071, specs/sctnet.md §2.2). Differences from the official code:
none for the defaults. Initialisation is PyTorch's default (official: Kaiming-normal fan_out), as
elsewhere in arena.
"""
from __future__ import annotations

from torch import nn

from blocks.layers import make_act
from blocks.registry import BlockError, FeatureSpec, Role, register

PAPERS = "DDRNet (arXiv:2101.06085) / PIDNet (arXiv:2206.02066)"


def _projection(cin: int, cout: int, stride: int, bias: bool = False) -> nn.Module | None:
    """The official shortcut: a 1x1 conv (the block's stride) + BN when the shape changes, else identity."""
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=bias), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """3x3 conv-BN-ReLU -> 3x3 conv-BN, plus the (projected) input, then `out_act` (None: raw sum)."""

    def __init__(self, cin: int, cout: int, stride: int = 1, *, out_act: str | None = "relu", bias: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=bias)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=bias)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = _projection(cin, cout, stride, bias)
        self.out_act = make_act(out_act)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.out_act(out + residual)


class Bottleneck(nn.Module):
    """1x1-BN-ReLU -> 3x3(stride)-BN-ReLU -> 1x1 to 2 x planes -BN, plus the shortcut, then `out_act`."""

    expansion = 2

    def __init__(self, cin: int, planes: int, stride: int = 1, *, out_act: str | None = None):
        super().__init__()
        cout = planes * self.expansion
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _projection(cin, cout, stride)
        self.out_act = make_act(out_act)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.out_act(out + residual)


def _stage_stride(strides, name: str) -> int:
    if len(strides) != 1 or strides[0] not in (1, 2):
        raise BlockError(f"{name} is one stage: strides must be [1] or [2], got {list(strides)}")
    return strides[0]


def _check_n(n: int, name: str) -> None:
    if n < 1:
        raise BlockError(f"{name} needs at least one block, got n={n}")


@register(Role.BACKBONE, "rb", paper=PAPERS)
class RB(nn.Sequential):
    """n BasicBlocks (the first strided); ReLU between blocks, `last_act` after the last (official: none)."""

    def __init__(self, x: FeatureSpec, *, n: int = 2, out: int | None = None, strides: list = (1,),
                 last_act: str | None = None, bias: bool = False):
        _check_n(n, "rb")
        stride = _stage_stride(strides, "rb")
        out = out or x.channels
        super().__init__(*(BasicBlock(x.channels if i == 0 else out, out, stride if i == 0 else 1,
                                      out_act=last_act if i == n - 1 else "relu", bias=bias) for i in range(n)))
        self.out_specs = (FeatureSpec(out, x.stride * stride),)


@register(Role.BACKBONE, "rbb", paper=PAPERS)
class RBB(nn.Sequential):
    """n Bottlenecks (expansion 2, the first strided) to `out` = 2 x planes; no ReLU after any by default."""

    def __init__(self, x: FeatureSpec, *, n: int = 1, out: int | None = None, strides: list = (1,),
                 mid_act: bool = False, last_act: str | None = None):
        _check_n(n, "rbb")
        stride = _stage_stride(strides, "rbb")
        out = out or 2 * x.channels
        if out % Bottleneck.expansion:
            raise BlockError(f"rbb out={out} must be even (Bottleneck expansion 2: out = 2 x planes)")
        planes = out // Bottleneck.expansion
        super().__init__(*(Bottleneck(x.channels if i == 0 else out, planes, stride if i == 0 else 1,
                                      out_act=last_act if i == n - 1 else ("relu" if mid_act else None))
                           for i in range(n)))
        self.out_specs = (FeatureSpec(out, x.stride * stride),)
