"""Flow Alignment Module (FAM). Semantic Flow for Fast and Accurate Scene Parsing, Li et al.,
ECCV 2020, arXiv:2002.10120 (SFNet).

x (deep, coarse) and guide (shallow, fine) are each projected by a 1x1 conv (no bias) to `mid`
channels; the projected x is upsampled bilinearly to the guide's size, concatenated with the
projected guide, and a 3x3 conv (no bias) predicts a 2-channel flow field. The ORIGINAL x is then
sampled with `grid_sample` at the identity grid plus the flow. Unlike interpolation, the output
depends on the guide's content.

As in the official `AlignedModule`: `mid` defaults to half of x's channels (SFNet's inplane // 2),
and the flow is divided by the output (W, H) before it is added to the [-1, 1] grid, so one flow
unit is half an output pixel. The official code builds the grid with linspace(-1, 1) and calls
`grid_sample` without `align_corners`, which meant align_corners=True on the PyTorch it was written
for (and silently False on PyTorch >= 1.3). Here `align_corners` (default True) sets the grid, the
upsampling and `grid_sample` consistently, so a zero flow reproduces bilinear upsampling exactly
(with align_corners=False the border samples fall half a pixel outside, so that equality also needs
`padding_mode="border"`; the official "zeros" stays the default).
The official projections have no BN; `out` != x's channels adds a 1x1 conv-BN-ReLU on x first.
"""
from __future__ import annotations

import warnings

import torch
import torch.fx
import torch.nn.functional as F
from torch import nn

from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register
from blocks.upsamplers._common import upsample_scale


def identity_grid(flow: torch.Tensor, align_corners: bool) -> torch.Tensor:
    """The sampling grid (B, H, W, 2) in [-1, 1] that `grid_sample` maps to the identity at flow's size.

    The identity affine matrix is made on the device (`torch.eye`), never copied from host data:
    CUDA-graph capture forbids a host-to-device copy inside `forward`."""
    h, w = flow.shape[-2], flow.shape[-1]
    theta = torch.eye(2, 3, dtype=flow.dtype, device=flow.device)  # [[1, 0, 0], [0, 1, 0]]
    with warnings.catch_warnings():  # a 1-pixel side: torch notes a changed convention; either maps to that pixel
        warnings.filterwarnings("ignore", message="Since version 1.3.0, affine_grid behavior has changed")
        return F.affine_grid(theta.expand(flow.shape[0], 2, 3), [flow.shape[0], 1, h, w],
                             align_corners=align_corners)


torch.fx.wrap("identity_grid")  # a leaf for fx: affine_grid checks its size argument in Python


@register(Role.UPSAMPLER, "flow_align", paper="SFNet: Semantic Flow (arXiv:2002.10120)")
class FlowAlign(nn.Module):
    """Predict a flow field from (x, guide) and warp x onto the guide's grid with it."""

    def __init__(self, x: FeatureSpec, guide: FeatureSpec, *, out: int | None = None, mid: int | None = None,
                 flow_kernel: int = 3, align_corners: bool = True, padding_mode: str = "zeros"):
        super().__init__()
        out = out or x.channels
        upsample_scale(x, guide, "flow_align")
        mid = mid or max(out // 2, 1)
        if flow_kernel < 1 or flow_kernel % 2 == 0:
            raise BlockError(f"flow_align flow_kernel must be odd and positive, got {flow_kernel}")
        if padding_mode not in ("zeros", "border", "reflection"):
            raise BlockError(f"flow_align padding_mode must be zeros, border or reflection, got {padding_mode!r}")
        self.align_corners, self.padding_mode = align_corners, padding_mode
        self.project = ConvBNAct(x.channels, out, 1) if out != x.channels else nn.Identity()
        self.down_x = nn.Conv2d(out, mid, 1, bias=False)
        self.down_guide = nn.Conv2d(guide.channels, mid, 1, bias=False)
        self.flow = nn.Conv2d(2 * mid, 2, flow_kernel, padding=flow_kernel // 2, bias=False)
        self.out_specs = (FeatureSpec(out, guide.stride),)

    def forward(self, x, guide):
        x = self.project(x)
        size = guide.shape[-2:]
        xd = F.interpolate(self.down_x(x), size=size, mode="bilinear", align_corners=self.align_corners)
        flow = self.flow(torch.cat([xd, self.down_guide(guide)], dim=1))  # (B, 2, H, W), (dx, dy)
        # Official normalization: divide by the output (W, H), not by half of it.
        offset = torch.stack([flow[:, 0] / flow.shape[-1], flow[:, 1] / flow.shape[-2]], dim=-1)  # (B, H, W, 2)
        grid = identity_grid(flow, self.align_corners) + offset
        return F.grid_sample(x, grid, mode="bilinear", padding_mode=self.padding_mode,
                             align_corners=self.align_corners)
