"""Mix Transformer (MiT), SegFormer's encoder. SegFormer: Simple and Efficient Design for Semantic Segmentation
with Transformers, Xie et al., NeurIPS 2021, arXiv:2105.15203. Official code: NVlabs/SegFormer
`mix_transformer.py`, `MixVisionTransformer` / `mit_b0` (specs/segformer.md §2.1-2.4, §4.1).

Four stages, each an overlapping patch embedding (`downsampler.overlap_embed`: x4, then x2 three times),
`depths[i]` transformer blocks, and a LayerNorm (eps 1e-6); returns the four normed maps (strides 4, 8,
16, 32 of the input). The transformer block is a block argument (`attention`, default
`attention.efficient_sa`: pre-LN spatial-reduction attention + pre-LN Mix-FFN), so `--swap attention=X`
reaches every block of every stage. Each block gets its stochastic-depth rate (linspace(0, drop_path,
sum(depths)), as the official code) where it takes `drop_path`; the native block also gets its stage's
`heads`, `sr`, the `mlp_ratio` and the block LN eps. A keyword the swap sets wins; a swapped block
derives its own C-dependent sizes by its own rule (heads 1/2/5/8 mean nothing to AFF or SCT).

Module order is the official one (the state dict maps in order): all four `patch_embed{i}` first, then
`block1`, `norm1`, `block2`, `norm2`, ... The forward runs patch_embed1, block1, norm1, patch_embed2, ...
Differences from the official code: NCHW between blocks (tokens inside each block); no ImageNet
classifier (`head`, unused by segmentation).
"""
from __future__ import annotations

import torch
from torch import nn

from blocks.downsamplers.overlap_embed import OverlapEmbed, channels_last_norm
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, info, register


@register(Role.BACKBONE, "mit", paper="SegFormer (arXiv:2105.15203)")
class MixTransformer(nn.Module):
    """Overlapping patch embeddings + transformer blocks + LayerNorm per stage; 4 features out."""

    example_specs = (FeatureSpec(3, 1),)  # an image, as in SegFormer (the registry tests' input)

    def __init__(self, x: FeatureSpec, *, dims: list = (32, 64, 160, 256), depths: list = (2, 2, 2, 2),
                 heads: list = (1, 2, 5, 8), sr: list = (8, 4, 2, 1), strides: list = (4, 2, 2, 2),
                 mlp_ratio: int = 4, drop_path: float = 0.1, ln_eps: float = 1e-6, embed_ln_eps: float = 1e-5,
                 attention: BlockRef = BlockRef(Role.ATTENTION, "efficient_sa")):
        super().__init__()
        n = len(dims)
        if n < 1 or any(len(v) != n for v in (depths, heads, sr, strides)):
            raise BlockError(f"backbone.mit: dims, depths, heads, sr and strides need one entry per stage, got "
                             f"{len(dims)}, {len(depths)}, {len(heads)}, {len(sr)}, {len(strides)}")
        if min(depths) < 1 or not 0.0 <= drop_path < 1.0:
            raise BlockError(f"backbone.mit: depths must be >= 1 and drop_path in [0, 1), got depths={list(depths)}, "
                             f"drop_path={drop_path}")
        specs, spec = [], x
        for i in range(n):  # the official order: every patch embedding first
            embed = OverlapEmbed(spec, factor=strides[i], out=dims[i], ln_eps=embed_ln_eps)
            self.add_module(f"patch_embed{i + 1}", embed)
            spec = embed.out_specs[0]
            specs.append(spec)
        rates = torch.linspace(0, drop_path, sum(depths), device="cpu").tolist()  # official: one rate per block, in order
        takes = set(info(attention.role, attention.name).kwargs) - set(dict(attention.kwargs))
        native = attention.name == "efficient_sa"  # a swapped block derives heads etc. by its own rule
        for i in range(n):
            blocks = []
            for j in range(depths[i]):
                wanted = {"drop_path": rates[sum(depths[:i]) + j]}
                if native:
                    wanted |= {"heads": heads[i], "sr": sr[i], "mlp_ratio": mlp_ratio, "ln_eps": ln_eps}
                blocks.append(attention.build(specs[i], **{k: v for k, v in wanted.items() if k in takes}))
            self.add_module(f"block{i + 1}", nn.ModuleList(blocks))
            self.add_module(f"norm{i + 1}", nn.LayerNorm(dims[i], eps=ln_eps))
        self.stages = n
        self.out_specs = tuple(specs)

    def forward(self, x):
        outs = []
        for i in range(1, self.stages + 1):
            x = getattr(self, f"patch_embed{i}")(x)
            for block in getattr(self, f"block{i}"):
                x = block(x)
            x = channels_last_norm(getattr(self, f"norm{i}"), x)
            outs.append(x)
        return tuple(outs)
