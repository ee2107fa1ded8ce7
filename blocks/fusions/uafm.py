"""Unified Attention Fusion Module (UAFM). PP-LiteSeg: A Superior Real-Time Semantic Segmentation
Model, Peng et al., arXiv:2204.02681; official code PaddlePaddle/PaddleSeg `UAFM_SpAtten` and its
siblings (paddleseg/models/layers/tensor_fusion.py; specs/pp_liteseg.md §2.4, §3.1, §3.3).

With y the deep feature already upsampled to the skip's size (arena's upsampler node does the
official in-module resize) and x the skip:
  x' = CBR3x3(x): Cx -> Cy;  a = weight(x', y);  z = x'*a + y*(s - a), s = 1;  out = CBR3x3(z): Cy -> out
The weight gives the low-level x' the share a (the code; A4 of the spec). `attention` picks it:
- "spatial" (the published one): a = sigmoid(CB3x3(CBR3x3([mean_c x', max_c x', mean_c y, max_c y])))
  with widths 4 -> 2 -> 1; s is the official `_scale`, a frozen Paddle parameter of value 1, kept
  here as a persistent buffer (it loads the official key and takes no gradient: 3 official
  parameters per network are buffers here);
- "spatial_mean" (`UAFM_SpAtten_S`): [mean_c x', mean_c y], 2 -> 2 -> 1, s the literal 1;
- "channel" (`UAFM_ChAtten`): [avg x', avg y, max x', max y] pooled over H, W (4Cy x 1 x 1) ->
  1x1 4Cy -> Cy/2 + BN + LeakyReLU(0.01) -> 1x1 Cy/2 -> Cy + BN -> sigmoid;
- "channel_mean" (`UAFM_ChAtten_S`): [avg x', avg y] (2Cy), the same 1x1 stack;
- "none" (`UAFM`): z = x' + y.
`ksize` is conv_x's kernel only (conv_out and the spatial weight convs are 3x3 in the official code).
The channel mean and max are plain reductions (fvcore counts none of them, as on the official graph).

Differences from the official code: none for the defaults. The resize of y is the upsampler node
before this block (the official UAFM resizes y itself, after conv_x: the same size either way).
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.fusions._common import same_stride
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, FeatureSpec, Role, register

ATTENTIONS = ("spatial", "spatial_mean", "channel", "channel_mean", "none")


def _weight_net(attention: str, c: int) -> nn.Module | None:
    """The layers that turn the pooled descriptors into the fusion weight (official `conv_xy_atten`)."""
    if attention in ("spatial", "spatial_mean"):
        cin = 4 if attention == "spatial" else 2
        return nn.Sequential(ConvBNAct(cin, 2, 3), ConvBNAct(2, 1, 3, act=None))
    if attention in ("channel", "channel_mean"):
        cin = 4 * c if attention == "channel" else 2 * c
        return nn.Sequential(ConvBNAct(cin, c // 2, 1, act="leaky"), ConvBNAct(c // 2, c, 1, act=None))
    return None


@register(Role.FUSION, "uafm", paper="PP-LiteSeg (arXiv:2204.02681)")
class UnifiedAttentionFusion(nn.Module):
    """Fuse the upsampled deep feature and the skip with a weight from both (spatial attention)."""

    def __init__(self, y: FeatureSpec, x: FeatureSpec, *, out: int | None = None, attention: str = "spatial",
                 ksize: int = 3):
        super().__init__()
        stride = same_stride((y, x), "uafm")
        if attention not in ATTENTIONS:
            raise BlockError(f"uafm attention must be one of {', '.join(ATTENTIONS)}, got {attention!r}")
        if attention.startswith("channel") and y.channels < 2:
            raise BlockError(f"uafm attention={attention!r} needs the deep input to have >= 2 channels, "
                             f"got {y.channels}")
        c = y.channels
        out = out or c
        self.attention = attention
        if attention == "spatial":
            self.register_buffer("_scale", torch.ones(1))  # frozen official parameter: value 1, no gradient
        self.conv_x = ConvBNAct(x.channels, c, ksize)
        self.conv_out = ConvBNAct(c, out, 3)
        self.conv_xy_atten = _weight_net(attention, c)
        self.out_specs = (FeatureSpec(out, stride),)

    def _descriptors(self, x, y):
        if self.attention == "spatial":  # [mean x, max x, mean y, max y] over channels: B x 4 x H x W
            return torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True),
                              y.mean(1, keepdim=True), y.amax(1, keepdim=True)], dim=1)
        if self.attention == "spatial_mean":
            return torch.cat([x.mean(1, keepdim=True), y.mean(1, keepdim=True)], dim=1)
        avgs = [x.mean((2, 3), keepdim=True), y.mean((2, 3), keepdim=True)]  # B x C x 1 x 1 each
        if self.attention == "channel_mean":
            return torch.cat(avgs, dim=1)
        return torch.cat(avgs + [x.amax((2, 3), keepdim=True), y.amax((2, 3), keepdim=True)], dim=1)

    def forward(self, y, x):
        x = self.conv_x(x)
        if self.conv_xy_atten is None:
            return self.conv_out(x + y)
        a = torch.sigmoid(self.conv_xy_atten(self._descriptors(x, y)))
        s = self._scale if self.attention == "spatial" else 1.0
        return self.conv_out(x * a + y * (s - a))
