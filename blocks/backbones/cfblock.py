"""CFBlock stage: SCTNet's transformer-shaped block whose token mixer is a convolution-only attention.

SCTNet: Single-Branch CNN with Transformer Semantic Information for Real-Time Segmentation, Xu et al.,
AAAI 2024, arXiv:2312.17071. Official code xzz777/SCTNet `mmseg/models/backbones/sctnet.py`,
`CFBlock` and `MLP` (specs/sctnet.md §3.2, §4.1).

Each block: x <- mixer(x), the mixer an attention block *with its residual* (default `attention.sct`,
which computes x + DropPath(ConvAttention(x))); then x <- x + DropPath(MLP(x)), where
MLP = conv3x3(GELU(conv3x3(BN_eps(x)))) with biases, hidden width `mlp_ratio` x C (dropouts p = 0 in
the official code; not built). No activation after either sum; `last_act` adds one after the last
block where every consumer activates the output anyway (exact, as `rb`'s).
The mixer is a block argument, so `--swap attention=X` reaches it; `drop_path` is handed to it when it
takes one. Submodules are named `attn_l` and `mlp_l.{norm,conv1,conv2}` as in the official code, the
attention first, so an official block's state dict maps by name and order. Differences from the
official code: none for the defaults (DropPath 0.1 in every block, no depth schedule; its docstring's
0.2 is not what the code uses). Initialisation is PyTorch's default, which is the official effective
one (the official init calls are no-ops; specs/sctnet.md §2.9).
"""
from __future__ import annotations

from torch import nn

from blocks.attention._common import drop_path as _drop_path
from blocks.layers import make_act
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, info, register


class MLP(nn.Module):
    """BN (eps 1e-6 official) -> 3x3 conv -> act -> 3x3 conv, convs with bias; C -> hidden -> C."""

    def __init__(self, c: int, hidden: int, *, kernel: int = 3, eps: float = 1e-6, act: str = "gelu"):
        super().__init__()
        self.norm = nn.BatchNorm2d(c, eps=eps)
        self.conv1 = nn.Conv2d(c, hidden, kernel, padding=kernel // 2)
        self.act = make_act(act)
        self.conv2 = nn.Conv2d(hidden, c, kernel, padding=kernel // 2)

    def forward(self, x):
        return self.conv2(self.act(self.conv1(self.norm(x))))


class CFBlock(nn.Module):
    """mixer (with its residual), then x + DropPath(MLP(x))."""

    def __init__(self, spec: FeatureSpec, mixer: BlockRef, *, drop_path: float, mlp_ratio: float, mlp_kernel: int,
                 mlp_eps: float, mlp_act: str, out_act: str | None):
        super().__init__()
        takes_rate = "drop_path" in info(mixer.role, mixer.name).kwargs and "drop_path" not in dict(mixer.kwargs)
        self.attn_l = mixer.build(spec, **({"drop_path": drop_path} if takes_rate else {}))
        self.mlp_l = MLP(spec.channels, max(1, round(spec.channels * mlp_ratio)), kernel=mlp_kernel, eps=mlp_eps,
                         act=mlp_act)
        self.rate = drop_path
        self.out_act = make_act(out_act)

    def forward(self, x):
        x = self.attn_l(x)
        x = x + _drop_path(self.mlp_l(x), self.rate, self.training)
        return self.out_act(x)


@register(Role.BACKBONE, "cfblock", paper="SCTNet (arXiv:2312.17071)")
class CFBlockStage(nn.Sequential):
    """n CFBlocks at constant width and stride: a block-argument token mixer, then a conv MLP."""

    def __init__(self, x: FeatureSpec, *, n: int = 1, strides: list = (1,),
                 mixer: BlockRef = BlockRef(Role.ATTENTION, "sct"), drop_path: float = 0.1, mlp_ratio: float = 1.0,
                 mlp_kernel: int = 3, mlp_eps: float = 1e-6, mlp_act: str = "gelu", last_act: str | None = None):
        if n < 1:
            raise BlockError(f"cfblock needs at least one block, got n={n}")
        if list(strides) != [1]:
            raise BlockError(f"cfblock keeps its input's size: strides must be [1], got {list(strides)} "
                             "(downsample before it, as SCTNet's convdown4 does)")
        if not 0.0 <= drop_path < 1.0 or mlp_ratio <= 0 or mlp_kernel < 1 or mlp_kernel % 2 == 0:
            raise BlockError(f"cfblock: drop_path must be in [0, 1), mlp_ratio > 0 and mlp_kernel odd, got "
                             f"{drop_path}, {mlp_ratio}, {mlp_kernel}")
        try:
            make_act(mlp_act), make_act(last_act)
        except ValueError as e:
            raise BlockError(f"cfblock: {e}") from None
        super().__init__(*(CFBlock(x, mixer, drop_path=drop_path, mlp_ratio=mlp_ratio, mlp_kernel=mlp_kernel,
                                   mlp_eps=mlp_eps, mlp_act=mlp_act, out_act=last_act if i == n - 1 else None)
                           for i in range(n)))
        self.out_specs = (FeatureSpec(x.channels, x.stride),)
