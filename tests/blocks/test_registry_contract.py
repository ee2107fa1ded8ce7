"""Every registered block, built at small specs: declared outputs, finite values, gradients, role contract.

Parametrized over the registry, so a new block is covered without a new test line. A block that
cannot use its role's default example inputs declares `example_specs` (and optionally
`example_kwargs`) as class attributes.
"""
import math

import pytest
import torch

from blocks.registry import BlockError, FeatureSpec, Role, all_blocks, get, info, names, register
from tests.helpers import whole_trunks_slow

BASE = 128  # example spatial size at stride 1; a feature at stride s is BASE/s square
DEFAULT_SPECS = {
    Role.BACKBONE: (FeatureSpec(16, 4),),
    Role.DOWNSAMPLER: (FeatureSpec(3, 1),),
    Role.ATTENTION: (FeatureSpec(32, 8),),
    Role.PYRAMID: (FeatureSpec(32, 32),),
    Role.UPSAMPLER: (FeatureSpec(32, 32), FeatureSpec(16, 8)),
    Role.FUSION: (FeatureSpec(32, 8), FeatureSpec(16, 8)),
    Role.HEAD: (FeatureSpec(32, 8),),
    Role.OP: (FeatureSpec(16, 8),),
}
BLOCKS = all_blocks()


def example_specs(b):
    if hasattr(b.cls, "example_specs"):
        return tuple(b.cls.example_specs)
    specs = DEFAULT_SPECS[b.role]
    if b.role is Role.FUSION and b.arity is not None and b.arity != len(specs):
        specs = tuple(FeatureSpec(16 + 16 * (i == 0), 8) for i in range(b.arity))
    if b.role is Role.FUSION and b.arity is None:
        specs = (FeatureSpec(16, 8), FeatureSpec(16, 8))
    return specs


def run_block(b):
    specs = example_specs(b)
    block = b.cls(*specs, **getattr(b.cls, "example_kwargs", {}))
    xs = [torch.randn(2, s.channels, BASE // s.stride, BASE // s.stride, requires_grad=True) for s in specs]
    out = block.train()(*xs)
    outs = out if isinstance(out, tuple) else (out,)
    return block, specs, xs, outs


@pytest.mark.parametrize("b", whole_trunks_slow(BLOCKS))
def test_block_contract(b):
    block, specs, xs, outs = run_block(b)
    declared = tuple(block.out_specs)
    assert all(isinstance(s, FeatureSpec) for s in declared)
    assert len(outs) == len(declared), "forward returns one tensor per declared output"
    border = getattr(block, "extra_border", 0)  # a documented official quirk (FANet's padded 1x1 conv)
    for y, s in zip(outs, declared):
        assert y.shape[:2] == (2, s.channels), f"declared {s}, got {tuple(y.shape)}"
        side = math.ceil(BASE / s.stride) + 2 * border
        assert tuple(y.shape[-2:]) == (side, side), f"declared {s}, got {tuple(y.shape)}"
        assert torch.isfinite(y).all()
    sum(y.float().mean() for y in outs).backward()
    missing = [n for n, p in block.named_parameters() if p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"

    first = specs[0]
    if b.role is Role.ATTENTION:
        assert declared == (first,) and outs[0].shape == xs[0].shape
    elif b.role is Role.UPSAMPLER:
        assert declared[0].stride == specs[1].stride and outs[0].shape[-2:] == xs[1].shape[-2:]
        assert declared[0].channels == first.channels  # out=None keeps x's channels
    elif b.role is Role.DOWNSAMPLER:
        assert declared[0].stride == first.stride * b.kwargs["factor"]
    elif b.role is Role.PYRAMID:
        assert declared[0].stride == first.stride
    elif b.role is Role.FUSION:
        assert declared[0].stride == first.stride
    elif b.role is Role.HEAD:
        assert declared[0] == FeatureSpec(b.kwargs["classes"], first.stride)


INTERFACE = {Role.DOWNSAMPLER: ("factor", "out"), Role.PYRAMID: ("out",), Role.UPSAMPLER: ("out",),
             Role.FUSION: ("out",), Role.HEAD: ("classes",)}


@pytest.mark.parametrize("b", BLOCKS, ids=[f"{b.role.value}.{b.name}" for b in BLOCKS])
def test_block_accepts_role_interface(b):
    """A swap keeps the role's interface kwargs, so every block of the role must accept them."""
    missing = [k for k in INTERFACE.get(b.role, ()) if k not in b.kwargs]
    assert not missing, f"{b.role.value}.{b.name} lacks interface kwargs {missing}"


@pytest.mark.parametrize("b", [b for b in BLOCKS if b.role in (Role.UPSAMPLER, Role.PYRAMID, Role.FUSION)],
                         ids=lambda b: f"{b.role.value}.{b.name}")
def test_out_kwarg_sets_channels(b):
    specs = example_specs(b)
    block = b.cls(*specs, **{**getattr(b.cls, "example_kwargs", {}), "out": 24})
    assert block.out_specs[0].channels == 24


def test_unknown_block_lists_close_matches_and_all_names():
    with pytest.raises(BlockError) as e:
        get("upsampler", "bilinaer")
    assert "did you mean bilinear" in str(e.value)
    for name in names("upsampler"):
        assert name in str(e.value)


def test_unknown_role():
    with pytest.raises(BlockError, match="unknown role 'upsample'.*did you mean upsampler"):
        info("upsample", "gai")


def test_duplicate_name_fails_at_import():
    with pytest.raises(RuntimeError, match="duplicate block upsampler.bilinear"):
        @register(Role.UPSAMPLER, "bilinear")
        class Again(torch.nn.Module):
            def __init__(self, x, guide, *, out=None):
                super().__init__()


def test_var_kwargs_rejected():
    with pytest.raises(TypeError, match="kwargs is not allowed"):
        @register(Role.OP, "sponge_test_only")
        class Sponge(torch.nn.Module):
            def __init__(self, x, **kw):
                super().__init__()


def test_every_role_has_alternatives():
    """Ablations need real alternatives in each swappable role."""
    for role in (Role.ATTENTION, Role.UPSAMPLER, Role.PYRAMID, Role.DOWNSAMPLER, Role.FUSION):
        assert len(names(role)) >= 3, role
