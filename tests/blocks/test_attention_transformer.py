"""The six token mixers of the attention-era networks: parameters equal the family specs' per-block
figures (the spec section is named at each figure), C-dependent arguments follow the official rule,
and sizes that must divide are refused in one line naming the block and the multiple."""
from __future__ import annotations

import pytest
import torch

from blocks.registry import BlockError, FeatureSpec, get


def n_params(name, c, stride=8, **kw):
    return sum(p.numel() for p in get("attention", name)(FeatureSpec(c, stride), **kw).parameters())


@pytest.mark.parametrize("c,stride,expected", [
    (32, 4, 159_232 // 2),     # segformer.md §7.2: block1 of B0 (2 blocks), heads 1, sr 8
    (64, 8, 236_544 // 2),     # block2: heads 2, sr 4
    (160, 16, 837_120 // 2),   # block3: heads 5, sr 2
    (256, 32, 1_600_000 // 2),  # block4: heads 8, sr 1
])
def test_efficient_sa_is_one_mit_block_with_the_official_heads_and_sr(c, stride, expected):
    assert n_params("efficient_sa", c, stride) == expected


def test_efficient_sa_attention_half():
    # segformer.md §7.2: "per block: attn 69,856 params, mlp 9,632" (plus the two LayerNorms, 2 x 64)
    assert n_params("efficient_sa", 32, 4, ffn=False) == 69_856 + 64


def sea_ffn(c, r):
    """seaformer.md §2.3: fc1 1x1 conv-BN C -> rC, 3x3 depthwise conv with bias, fc2 1x1 conv-BN rC -> C."""
    return (c * r * c + 2 * r * c) + (r * c * 9 + r * c) + (r * c * c + 2 * c)


@pytest.mark.parametrize("c,heads,key_dim,r,block", [
    (160, 6, 16, 2, 346_432),    # seaformer.md §2.3, SeaFormer-S trans1, params per block
    (192, 6, 24, 4, 765_504),    # S trans2
    (192, 8, 16, 2, 545_920),    # B trans1
    (256, 8, 24, 4, 1_348_352),  # B trans2
])
def test_sea_is_the_official_attention(c, heads, key_dim, r, block):
    assert n_params("sea", c, 32, heads=heads, key_dim=key_dim) == block - sea_ffn(c, r)


@pytest.mark.parametrize("c,heads,sase", [(208, 4, 1_037_056), (296, 6, 2_120_064), (384, 8, 3_586_048)])
def test_token_mhsa_is_the_sase(c, heads, sase):
    # topformer.md §7.2: "SASE (4 blocks)" of TopFormer-T / S / B
    assert n_params("token_mhsa", c, 64, heads=heads) == sase


@pytest.mark.parametrize("c,n", [(64, 1), (96, 2), (176, 6), (216, 2)])
def test_aff_parameters(c, n):
    assert n_params("aff", c, n=n) == 41 * c + n * (8 * c * c + 31 * c)  # afformer.md §2.5


def test_external_is_rtformer_slim_layer5_attention():
    assert n_params("external", 256, 32) == 131_584  # rtformer.md §7.2: layer5.attn_l (Slim)


def test_sct_is_the_cfblock_mixer():
    # sctnet.md §3.2: CFBlock(128) = 410,368 = mixer + MLP (BN 2C + two 3x3 convs with bias 2 (9C^2 + C))
    assert n_params("sct", 128) == 410_368 - (2 * 128 + 2 * (9 * 128 * 128 + 128))


def test_c_dependent_defaults_follow_the_official_rules():
    esa = get("attention", "efficient_sa")(FeatureSpec(128, 8))
    assert esa.attn.heads == 4 and esa.attn.sr_ratio == 4  # head dim 32; keys at stride 32
    assert get("attention", "token_mhsa")(FeatureSpec(128, 8)).pool == 8  # tokens at stride 64
    assert get("attention", "token_mhsa")(FeatureSpec(384, 64)).pool == 1  # TopFormer's own placement
    assert get("attention", "external")(FeatureSpec(96, 8)).k.shape == (96, 96, 1, 1)  # memory = C


def test_zero_initialised_branches_start_as_the_identity():
    x = torch.randn(2, 64, 9, 11)
    torch.testing.assert_close(get("attention", "sct")(FeatureSpec(64, 8)).eval()(x), x)  # official zeros
    tm = get("attention", "token_mhsa")(FeatureSpec(64, 64), drop_path=0.0).eval()
    y = x
    for block in tm.transformer_blocks:
        y = y + block.mlp(y)  # attention projections' BN weight 0: the attention half adds exactly 0
    torch.testing.assert_close(tm(x), y)


def test_topformer_attention_is_unscaled_and_sea_is_scaled():
    tm = get("attention", "token_mhsa")(FeatureSpec(32, 64), n=1, heads=2).eval()
    assert tm.transformer_blocks[0].attn.scale == 1.0
    assert get("attention", "token_mhsa")(FeatureSpec(32, 64), scale="sqrt").transformer_blocks[0].attn.scale == 0.25
    assert get("attention", "sea")(FeatureSpec(32, 8), key_dim=16).scale == 0.25


@pytest.mark.parametrize("name,c,kw,words", [
    ("efficient_sa", 64, {"heads": 3}, "heads=3 does not divide the 64 input channels"),
    ("aff", 36, {}, "multiple of 8"),
    ("aff", 64, {"heads": 4}, "sum to heads=4"),
    ("external", 64, {"heads": 5}, "heads=5 does not divide"),
    ("sct", 64, {"inter": 60}, "heads=8 does not divide the 60"),
])
def test_sizes_that_must_divide_are_refused_in_one_line(name, c, kw, words):
    with pytest.raises(BlockError, match=words) as e:
        get("attention", name)(FeatureSpec(c, 8), **kw)
    assert "\n" not in str(e.value) and f"attention.{name}" in str(e.value)


def test_pool_window_larger_than_the_map_still_fits():
    tm = get("attention", "token_mhsa")(FeatureSpec(32, 8), pool=16).eval()
    x = torch.randn(1, 32, 5, 7)
    assert tm(x).shape == x.shape
