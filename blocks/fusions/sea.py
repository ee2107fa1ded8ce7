"""SeaFormer's fusion block. SeaFormer: Squeeze-enhanced Axial Transformer for Mobile Semantic
Segmentation, Wan et al., ICLR 2023, arXiv:2301.13156; official fudan-zvg/SeaFormer `Fusion_block`
in `light_head.py` (specs/seaformer.md §2.5, §3.3).

out = BN(W_l x_l) * up(hsigmoid(BN(W_g x_g))): the context feature becomes a hard-sigmoid gate at its
own stride, then is upsampled to the detail feature's size (gating after the upsampling differs by
~28 %) and multiplies the detail embedding. It is TopFormer's injection without the additive global
term (`fusion.sim(embed=False)`, whose code it reuses); keys `local_embedding`, `global_act` as the
official. Differences from the official code: none in the function.
"""
from __future__ import annotations

from blocks.fusions.sim import SemanticInjection
from blocks.registry import BlockRef, FeatureSpec, Role, register


@register(Role.FUSION, "sea", paper="SeaFormer (arXiv:2301.13156)")
class SeaFusion(SemanticInjection):
    """Detail embedding times the upsampled hard-sigmoid gate of a context embedding."""

    def __init__(self, local: FeatureSpec, context: FeatureSpec, *, out: int | None = None,
                 up: BlockRef = BlockRef(Role.UPSAMPLER, "bilinear"), gate: str = "hsigmoid"):
        super().__init__(local, context, out=out, up=up, gate=gate, embed=False)
