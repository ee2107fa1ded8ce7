"""Guided Attentive Interpolation (GAI). Cross-Layer Attentive Feature Upsampling for Low-latency
Semantic Segmentation, Cheng et al., Machine Vision and Applications 36(1), article 18, 2025, arXiv:2601.01167.
Official code: hustvl/simpleseg, `CCCrossLayerAttention` (specs/gain.md §2.2).

Defaults reproduce the official module: the deep feature is bilinearly resized to the guide's grid
first, then a guided criss-cross attention (queries from concat[resized, guide], keys and values
from the resized stream) runs `iters=2` times with shared weights and one shared scalar gamma
initialised to 0 (so at initialisation GAI equals its bilinear path), then a 1x1 conv-BN-ReLU
bottleneck over concat[attended, resized].

Differences from the official code, all opt-in or additive:
- `c` (internal width) defaults to x's channels; when x or the guide has another width, a 1x1
  conv-BN-ReLU projects it to `c` (the official module assumes both inputs already have `c`).
- `out` (the upsampler interface) sets the bottleneck's output width instead of adding a second
  projection; the default (x's channels) is the official shape.
- `attention="dense"` is a non-local alternative (one softmax over all H*W positions, self
  included); spec §6.2 describes the official "NL" ablation as one dense pass with the same
  layers, i.e. `attention="dense", iters=1` (not checked against its code);
  `query="guide"` / `query="x"` are the CC-B / CC-C ablations (queries from one input only).
  None of these is the paper's default.
- The criss-cross op is written with `torch.bmm` (the official op uses einops + bmm); masking the
  column branch's diagonal uses a mask built from tensor ops so the block traces with torch.fx.
Submodules are created in the official order so an official state dict maps in order.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register


def criss_cross(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Criss-cross attention: each pixel attends its column (self masked) and its row (self kept).

    One joint softmax over the H + W energies, no 1/sqrt(d) scaling (specs/gain.md §2.2 step 4).
    q, k: (B, Cqk, H, W); v: (B, Cv, H, W) -> (B, Cv, H, W).
    """
    b, cqk, h, w = q.size(0), q.size(1), q.size(2), q.size(3)
    cv = v.size(1)
    # column branch: one sequence of length H per (batch, column)
    q_col = q.permute(0, 3, 2, 1).reshape(b * w, h, cqk)          # (B*W, H, Cqk)
    k_col = k.permute(0, 3, 1, 2).reshape(b * w, cqk, h)          # (B*W, Cqk, H)
    e_col = torch.bmm(q_col, k_col)                               # (B*W, H, H')
    eye = torch.ones_like(e_col[:1]).tril().triu().bool()         # (1, H, H) identity, no shape ints
    e_col = e_col.masked_fill(eye, float("-inf"))                 # the row branch counts self once
    e_col = e_col.reshape(b, w, h, h).permute(0, 2, 1, 3)         # (B, H, W, H')
    # row branch: one sequence of length W per (batch, row)
    q_row = q.permute(0, 2, 3, 1).reshape(b * h, w, cqk)          # (B*H, W, Cqk)
    k_row = k.permute(0, 2, 1, 3).reshape(b * h, cqk, w)          # (B*H, Cqk, W)
    e_row = torch.bmm(q_row, k_row).reshape(b, h, w, w)           # (B, H, W, W')
    attn = torch.softmax(torch.cat([e_col, e_row], dim=-1), dim=-1)  # (B, H, W, H'+W')
    a_col, a_row = attn[..., :h], attn[..., h:]
    a_col = a_col.permute(0, 2, 3, 1).reshape(b * w, h, h)        # (B*W, H', H): [key, query]
    v_col = v.permute(0, 3, 1, 2).reshape(b * w, cv, h)           # (B*W, Cv, H')
    out_col = torch.bmm(v_col, a_col).reshape(b, w, cv, h).permute(0, 2, 3, 1)  # (B, Cv, H, W)
    a_row = a_row.transpose(2, 3).reshape(b * h, w, w)            # (B*H, W', W): [key, query]
    v_row = v.permute(0, 2, 1, 3).reshape(b * h, cv, w)           # (B*H, Cv, W')
    out_row = torch.bmm(v_row, a_row).reshape(b, h, cv, w).permute(0, 2, 1, 3)  # (B, Cv, H, W)
    return out_col + out_row


def dense_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Non-local attention over all H*W positions (the "NL" ablation; O((HW)^2) cost)."""
    qf = q.flatten(2).transpose(1, 2)                             # (B, HW, Cqk)
    kf = k.flatten(2)                                             # (B, Cqk, HW')
    attn = torch.softmax(torch.bmm(qf, kf), dim=-1)               # (B, HW, HW')
    out = torch.bmm(v.flatten(2), attn.transpose(1, 2))           # (B, Cv, HW)
    return out.reshape(v.shape)                                   # (B, Cv, H, W)


@register(Role.UPSAMPLER, "gai", paper="Cross-Layer Attentive Feature Upsampling / GAIN (arXiv:2601.01167)")
class GuidedAttentiveInterpolation(nn.Module):
    """Bilinear resize to the guide's grid, then guided criss-cross attention refines it."""

    def __init__(self, x: FeatureSpec, guide: FeatureSpec, *, out: int | None = None, c: int | None = None,
                 c_v: int | None = None, c_qk: int | None = None, iters: int = 2,
                 attention: str = "criss_cross", query: str = "concat", gamma_init: float = 0.0,
                 align_corners: bool = False):
        super().__init__()
        c = c or x.channels
        out = out or x.channels
        c_v = c_v or max(1, c // 2)
        c_qk = c_qk or max(1, c // 16)
        if iters < 1:
            raise BlockError(f"gai needs iters >= 1, got {iters}")
        if attention not in ("criss_cross", "dense"):
            raise BlockError(f"gai attention must be 'criss_cross' or 'dense', got {attention!r}")
        if query not in ("concat", "guide", "x"):
            raise BlockError(f"gai query must be 'concat', 'guide' or 'x', got {query!r}")
        self.iters, self.query, self.align_corners = iters, query, align_corners
        self.attend = criss_cross if attention == "criss_cross" else dense_attention
        self.project_x = ConvBNAct(x.channels, c, 1) if x.channels != c else nn.Identity()
        self.project_guide = (ConvBNAct(guide.channels, c, 1) if guide.channels != c and query != "x"
                              else nn.Identity())
        # the official __init__ order: the attention module (gamma, q, k, v), then conv1, conv2, bottleneck
        self.gamma = nn.Parameter(torch.full((1,), float(gamma_init)))
        self.q = nn.Conv2d(c_v, c_qk, 1)
        self.k = nn.Conv2d(c_v, c_qk, 1)
        self.v = nn.Conv2d(c_v, c_v, 1)
        self.guide_conv = nn.Conv2d(2 * c if query == "concat" else c, c_v, 1)
        self.value_init = nn.Conv2d(c, c_v, 1)
        self.bottleneck = ConvBNAct(c_v + c, out, 1)
        self.out_specs = (FeatureSpec(out, guide.stride),)

    def forward(self, x, guide):
        up = F.interpolate(self.project_x(x), size=guide.shape[-2:], mode="bilinear",
                           align_corners=self.align_corners)
        if self.query == "concat":
            g = self.guide_conv(torch.cat([up, self.project_guide(guide)], dim=1))
        elif self.query == "guide":
            g = self.guide_conv(self.project_guide(guide))
        else:
            g = self.guide_conv(up)
        feat = self.value_init(up)
        for _ in range(self.iters):
            # q is recomputed each step from the fixed G, as the official code does (same value,
            # 2*Cv*Cqk MACs/px per step, kept so that MAC counts match the spec)
            feat = self.gamma * self.attend(self.q(g), self.k(feat), self.v(feat)) + feat
        return self.bottleneck(torch.cat([feat, up], dim=1))
