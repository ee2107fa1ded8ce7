"""Overlapping patch embedding: the Mix Transformer's stem and stage transitions. SegFormer: Simple and
Efficient Design for Semantic Segmentation with Transformers, Xie et al., NeurIPS 2021, arXiv:2105.15203.
Official code: NVlabs/SegFormer `mix_transformer.py`, `OverlapPatchEmbed` (specs/segformer.md §2.2).

A conv with bias whose kernel (2 * factor - 1: 7 for the x4 stem, 3 for each x2 transition) is larger
than its stride, padding kernel // 2 (so ceil(H / factor)), then LayerNorm over the channels (eps 1e-5,
the official plain `nn.LayerNorm`). Patches overlap, which is why MiT needs no positional embedding.
Differences from the official code: NCHW out (the official returns tokens plus h, w); the unused
`img_size` / `num_patches` attributes are not kept. Init: the official fan-out normal for the conv.
"""
from __future__ import annotations

from torch import nn

from blocks.attention._common import fan_out_normal_
from blocks.registry import BlockError, FeatureSpec, Role, register


def channels_last_norm(norm: nn.LayerNorm, x):
    """LayerNorm over C of an NCHW map (per pixel, as the official norm on tokens; not GroupNorm(1))."""
    return norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # (B, H, W, C) -> normed -> (B, C, H, W)


@register(Role.DOWNSAMPLER, "overlap_embed", paper="SegFormer (arXiv:2105.15203)")
class OverlapEmbed(nn.Module):
    """Conv (kernel 2f - 1, stride f, bias) -> LayerNorm over channels: MiT's patch embedding."""

    def __init__(self, x: FeatureSpec, *, factor: int = 2, out: int = 64, ln_eps: float = 1e-5):
        super().__init__()
        if factor < 2 or out < 1:
            raise BlockError(f"downsampler.overlap_embed needs factor >= 2 and out >= 1, got factor={factor}, out={out}")
        kernel = 2 * factor - 1
        self.proj = nn.Conv2d(x.channels, out, kernel, factor, kernel // 2)
        self.norm = nn.LayerNorm(out, eps=ln_eps)
        fan_out_normal_(self)
        self.out_specs = (FeatureSpec(out, x.stride * factor),)

    def forward(self, x):
        return channels_last_norm(self.norm, self.proj(x))
