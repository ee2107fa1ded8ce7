"""A stage of SeaFormer layers. SeaFormer: Squeeze-enhanced Axial Transformer for Mobile Semantic
Segmentation, Wan et al., ICLR 2023, arXiv:2301.13156; official fudan-zvg/SeaFormer `BasicLayer` of
`Block`s (`trans1`, `trans2`; specs/seaformer.md §2.3).

n blocks at the input's stride, each x <- mixer(x) (the Sea attention with its own residual:
x + DropPath(SeaAttention(x))), then x <- x + DropPath(FFN(x)), FFN = 1x1 conv-BN C -> rC, 3x3
depthwise conv with bias, ReLU6, 1x1 conv-BN rC -> C (TopFormer's `Mlp`, shared with
`attention.token_mhsa`). No normalisation before either branch. DropPath rates linspace(0,
`drop_path`, n) per stage (so each stage's first block has none), handed to the mixer when it takes a
`drop_path` keyword. The token mixer is a block argument (`mixer=attention.sea(key_dim=16, heads=6)`),
so `--swap attention=X` reaches it; any attention block fits (it keeps the shape). Keys as the
official: `transformer_blocks.{i}.attn`, `.mlp`. Init: the official `init_weights` (fan-out normal
convs). Differences from the official code: none in the function.
"""
from __future__ import annotations

from torch import nn

from blocks.attention._common import drop_path as drop_path_, fan_out_normal_
from blocks.attention.token_mhsa import TokenMlp
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, info, register


class SeaBlock(nn.Module):
    def __init__(self, x: FeatureSpec, mixer: BlockRef, mlp_ratio: int, act, rate: float):
        super().__init__()
        self.rate = rate
        takes_rate = "drop_path" in info(mixer.role, mixer.name).kwargs
        self.attn = mixer.build(x, drop_path=rate) if takes_rate else mixer.build(x)
        if tuple(self.attn.out_specs) != (x,):
            raise BlockError(f"sea_layers: its mixer {mixer} must keep the shape {x}")
        self.mlp = TokenMlp(x.channels, x.channels * mlp_ratio, act)
        fan_out_normal_(self.mlp)

    def forward(self, x):
        x = self.attn(x)  # the Sea attention adds its own residual (attention.sea residual=True)
        return x + drop_path_(self.mlp(x), self.rate, self.training)


@register(Role.BACKBONE, "sea_layers", paper="SeaFormer (arXiv:2301.13156)")
class SeaLayers(nn.Module):
    """n transformer blocks (a token mixer, then a conv FFN) at the input's stride."""

    def __init__(self, x: FeatureSpec, *, n: int = 3, mlp_ratio: int = 2, drop_path: float = 0.1,
                 act: str = "relu6", mixer: BlockRef = BlockRef(Role.ATTENTION, "sea")):
        super().__init__()
        if n < 1 or mlp_ratio < 1 or not 0.0 <= drop_path < 1.0:
            raise BlockError(f"sea_layers: n and mlp_ratio must be >= 1 and drop_path in [0, 1), got {n}, "
                             f"{mlp_ratio}, {drop_path}")
        if act not in ("relu6", "relu"):
            raise BlockError(f"sea_layers: act must be 'relu6' (official) or 'relu', got {act!r}")
        act_layer = nn.ReLU6 if act == "relu6" else nn.ReLU
        rates = [drop_path * i / (n - 1) if n > 1 else 0.0 for i in range(n)]  # linspace(0, rate, n)
        self.transformer_blocks = nn.ModuleList(SeaBlock(x, mixer, mlp_ratio, act_layer, r) for r in rates)
        self.out_specs = (x,)

    def forward(self, x):
        for block in self.transformer_blocks:
            x = block(x)
        return x
