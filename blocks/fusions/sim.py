"""Semantics Injection Module (SIM). TopFormer: Token Pyramid Transformer for Mobile Semantic
Segmentation, Zhang et al., CVPR 2022, arXiv:2204.05525; official hustvl/TopFormer `InjectionMultiSum`
(specs/topformer.md §2.5, §3.3).

With x_l the local feature (stride s) and x_g the global one (any coarser stride):
  out = BN(W_l x_l) * up(hsigmoid(BN(W_a x_g))) + up(BN(W_e x_g))
three 1x1 conv-BN embeddings to `out` channels (created in the official order local_embedding,
global_embedding, global_act; called local, act, embedding). The gate's hard sigmoid runs at the
global stride, BEFORE its upsampling (the official order; after it differs by ~1.3 %). Like BiSeNetV2's
`bga`, the block takes the global feature un-upsampled and does its two interpolations itself with
the block argument `up` (to the local feature's size), so `--swap upsampler=...` reaches both.
`embed=False` drops the additive global term: TopFormer's `FuseBlockMulti`, i.e. SeaFormer's fusion
(`fusion.sea`, blocks/fusions/sea.py). The hard sigmoid is written relu6(x + 3) / 6 as the official
`h_sigmoid` (`gate="sigmoid"` is the ablation). Init: mmcv ConvModule's, Kaiming normal fan-out
(ReLU gain), BN 1/0. Differences from the official code: none in the function; the official file's
other injection types (`InjectionMultiSumCBR`, `FuseBlockSum`) are not built (no config uses them).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from blocks.attention._common import fan_out_normal_
from blocks.layers import ConvBNAct
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, register

GATES = {"hsigmoid": lambda z: F.relu6(z + 3) / 6, "sigmoid": torch.sigmoid}


@register(Role.FUSION, "sim", paper="TopFormer (arXiv:2204.05525)")
class SemanticInjection(nn.Module):
    """Local embedding gated by the upsampled hard-sigmoid of a global embedding, plus a global term."""

    upsamples_inside = True  # the builder lets its inputs differ in stride (the global one is coarser)

    def __init__(self, local: FeatureSpec, context: FeatureSpec, *, out: int | None = None,
                 up: BlockRef = BlockRef(Role.UPSAMPLER, "bilinear"), gate: str = "hsigmoid", embed: bool = True):
        super().__init__()
        name = type(self).block_name
        if context.stride < local.stride:
            raise BlockError(f"{name} takes (local, global) with the global feature at the coarser stride, got "
                             f"strides {local.stride} and {context.stride}")
        if gate not in GATES:
            raise BlockError(f"{name}: gate must be one of {', '.join(GATES)}, got {gate!r}")
        out = out or local.channels
        self.gate = GATES[gate]
        self.local_embedding = ConvBNAct(local.channels, out, 1, act=None)
        if embed:
            self.global_embedding = ConvBNAct(context.channels, out, 1, act=None)
        self.global_act = ConvBNAct(context.channels, out, 1, act=None)
        coarse, fine = FeatureSpec(out, context.stride), FeatureSpec(out, local.stride)
        self.up_act = up.build(coarse, fine)
        self.up_embed = up.build(coarse, fine) if embed else None
        if tuple(self.up_act.out_specs) != (fine,):
            raise BlockError(f"{name}: its upsampler {up} must keep {out} channels and reach stride {local.stride}")
        fan_out_normal_(self.local_embedding)
        fan_out_normal_(self.global_act)
        if embed:
            fan_out_normal_(self.global_embedding)
        self.out_specs = (fine,)

    def forward(self, x_l, x_g):
        local = self.local_embedding(x_l)
        y = local * self.up_act(self.gate(self.global_act(x_g)), local)  # gate at the global stride, then up
        if self.up_embed is not None:
            y = y + self.up_embed(self.global_embedding(x_g), local)
        return y
