"""`rtformer`: one low-resolution RTFormer stage (the low half of the official `EABlock`).

RTFormer: Efficient Design for Real-Time Semantic Segmentation with Transformer, Wang et al.,
NeurIPS 2022, arXiv:2210.07124. Official code PaddlePaddle/PaddleSeg `paddleseg/models/rtformer.py`
(`EABlock`: `attn_shortcut_l`, `attn_l`, `mlp_l`; specs/rtformer.md §2.4, §3.1, §3.3):
  r = attn_shortcut_l(x)  (BN -> 1x1 conv with the stage's stride; only when it projects, else r = x)
  x = r + DropPath(GFA(x))          GFA: BN -> key memory (1x1, stride s) -> grouped double norm -> value memory
  x = x + DropPath(FFN(x))          FFN: BN(eps 1e-6) -> 3x3 (bias) -> GELU -> 3x3 (bias), width kept
The strided 1x1 convs subsample every other pixel (nothing pools). A stage that does not project
(stride 1, out = input channels: the official `layer5`) may take its GFA as a block argument,
`attention=attention.external(drop_path=...)`, which computes the same `x + DropPath(GFA(x))`
under the same names, so `[attention=...]` swaps reach it; the projecting GFA stays (its stride and
width change are the stage's own). Init, official: memories normal(0, 0.001); the convs PyTorch's
default (official: Kaiming-normal fan_in). Differences from the official code: none.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import double_norm, drop_path, require_divides
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, register


class ConvFFN(nn.Module):
    """RTFormer's `MLP`: BN (eps 1e-6) -> 3x3 conv (bias) -> GELU (erf) -> 3x3 conv (bias); no residual."""

    def __init__(self, c: int, hidden: int | None = None, eps: float = 1e-6):
        super().__init__()
        hidden = hidden or c
        self.norm = nn.BatchNorm2d(c, eps=eps)
        self.conv1 = nn.Conv2d(c, hidden, 3, 1, 1)
        self.act = nn.GELU()
        self.conv2 = nn.Conv2d(hidden, c, 3, 1, 1)

    def forward(self, x):
        return self.conv2(self.act(self.conv1(self.norm(x))))


class StridedGFA(nn.Module):
    """GFA with a strided key memory and a width change (the official projecting `attn_l`); no residual."""

    def __init__(self, cin: int, cout: int, memory: int, heads: int, stride: int, eps: float = 1e-6):
        super().__init__()
        self.stride, self.heads, self.eps = stride, heads, eps
        self.norm = nn.BatchNorm2d(cin)
        self.k = nn.Parameter(torch.empty(memory, cin, 1, 1).normal_(0.0, 0.001))  # own parameters: listed first
        self.v = nn.Parameter(torch.empty(cout, memory, 1, 1).normal_(0.0, 0.001))

    def forward(self, x):
        a = F.conv2d(self.norm(x), self.k, stride=self.stride)  # (B, M, ceil(H/s), ceil(W/s))
        return F.conv2d(double_norm(a, self.heads, self.eps), self.v)  # (B, cout, ...)


@register(Role.BACKBONE, "rtformer", paper="RTFormer (arXiv:2210.07124)")
class RTFormerStage(nn.Module):
    """Projection shortcut (when needed) + GFA + conv FFN, each residual with DropPath."""

    def __init__(self, x: FeatureSpec, *, out: int | None = None, strides: list = (1,), heads: int = 8,
                 memory: int | None = None, drop_path: float = 0.0, ffn_eps: float = 1e-6,
                 attention: BlockRef | None = None):
        super().__init__()
        if len(strides) != 1 or strides[0] not in (1, 2):
            raise BlockError(f"rtformer is one stage: strides must be [1] or [2], got {list(strides)}")
        if not 0.0 <= drop_path < 1.0:
            raise BlockError(f"rtformer: drop_path must be in [0, 1), got {drop_path}")
        stride, cin = strides[0], x.channels
        out = out or cin
        memory = memory or out
        self.rate = drop_path
        projects = stride != 1 or out != cin
        if projects and attention is not None:
            raise BlockError(f"rtformer: attention={attention} needs a stage that keeps its shape (stride 1, "
                             f"out = {cin}); this one projects {cin} -> {out} at stride {stride}")
        self.attn_shortcut_l = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, out, 1, stride, bias=False)) \
            if projects else None
        if attention is None:
            require_divides("rtformer", "heads", heads, memory, "memory slots (memory defaults to out)")
            self.attn_l = StridedGFA(cin, out, memory, heads, stride)
        else:
            self.attn_l = attention.build(FeatureSpec(cin, x.stride))
            if tuple(self.attn_l.out_specs) != (FeatureSpec(cin, x.stride),):
                raise BlockError(f"rtformer: its attention {attention} must keep {cin} channels and the stride")
        self.residual_inside = attention is not None  # an attention block adds its own residual
        self.mlp_l = ConvFFN(out, eps=ffn_eps)
        self.out_specs = (FeatureSpec(out, x.stride * stride),)

    def forward(self, x):
        if self.residual_inside:
            x = self.attn_l(x)
        else:
            r = x if self.attn_shortcut_l is None else self.attn_shortcut_l(x)
            x = r + drop_path(self.attn_l(x), self.rate, self.training)
        return x + drop_path(self.mlp_l(x), self.rate, self.training)
