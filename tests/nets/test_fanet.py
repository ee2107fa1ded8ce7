"""FANet (arXiv:2007.03815), its ResNet backbone/stem and the fast / self attention blocks.

Golden numbers come from specs/fanet.md (measured on the official code), never from our output:
- §7.3: official Train FANet-18 has 13,970,176 params (the family module's figure, without the two aux heads);
  Testing FANet-34 has its family module's figure. The official model also builds two layers it never calls,
  S2 `smooth` (3x3 128->128 + BN = 147,712) and S1 `up` (1x1 64->32 + BN = 2,112); we do not
  build them (§8 A5), so every count here is the official one minus 149,824.
- §7.3: fvcore MACs at 512x1024: FANet-18 11,865,419,264 (with the final resize); FANet-34
  16,663,965,184 without it, plus 19 x 512 x 1024 x 4 for the bilinear resize fvcore counts.
- §3.3: fast-attention matmul MACs of FANet-18 at 1024x2048 = 251.7 M (2 n 32 C over the four
  stages); standard self-attention n^2 (32 + C) would be about 115 G.
- §2.1 / §7.3: feature sizes at 512x1024, encoder params 11.18 M (R18) and 21.29 M (R34).
"""
from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import arena
from arena.networks import VARIANTS
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_total, rel

TRAIN_FANET18 = 13_970_176  # official Train FANet-18 with its two aux heads, §7.3
UNUSED_OFFICIAL = 147_712 + 2_112  # S2 smooth + S1 up: built but never called by the official code



# -- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("net, official_inference, official_aux", [
    ("fanet18", VARIANTS["fanet18"].params, TRAIN_FANET18 - VARIANTS["fanet18"].params),
    ("fanet34", VARIANTS["fanet34"].params, TRAIN_FANET18 - VARIANTS["fanet18"].params),  # FANet-18's aux heads
])
def test_param_counts(net, official_inference, official_aux):
    counts = arena.build(net).param_counts()
    assert counts["inference"] == official_inference - UNUSED_OFFICIAL
    assert counts["total"] == official_inference + official_aux - UNUSED_OFFICIAL
    assert rel(counts["inference"], official_inference) < 0.015  # 13.67 M vs 13.82 M: the unused layers


@pytest.mark.parametrize("depth, official", [(18, 11.18e6), (34, 21.29e6)])
def test_encoder_params(depth, official):
    stem = get("downsampler", "resnet_stem")(FeatureSpec(3, 1), act="leaky")
    body = get("backbone", "resnet")(stem.out_specs[0], depth=depth, strides=(2, 2, 2, 2), act="leaky")
    n = sum(p.numel() for m in (stem, body) for p in m.parameters())
    assert rel(n, official) < 0.005


# -- MACs ---------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("net, official", [
    ("fanet18", 11_865_419_264),
    ("fanet34", 16_663_965_184 + 19 * 512 * 1024 * 4),
])
def test_fvcore_macs_512x1024(net, official):
    assert rel(fvcore_total(net, 512, 1024), official) < 0.02


def _matmul_macs(spec: str, h: int, w: int) -> int:
    """MACs of the (batched) matmuls only, on meta tensors: no memory, no compute."""
    model = arena.build(spec).eval().to("meta")
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(1, 3, h, w, device="meta"))
    ops = counter.get_flop_counts()["Global"]
    return sum(v for op, v in ops.items() if "mm" in str(op) and "addmm" not in str(op)) // 2


def test_fast_attention_matmul_macs_1024x2048():
    assert rel(_matmul_macs("fanet18", 1024, 2048), 251.7e6) < 0.001


def test_self_attention_matmul_macs_1024x2048():
    assert rel(_matmul_macs("fanet18[attention=self]", 1024, 2048), 115e9) < 0.01


# -- shapes, swaps, tracing -------------------------------------------------------------------

def test_feature_sizes_512x1024():
    stem = get("downsampler", "resnet_stem")(FeatureSpec(3, 1), act="leaky")
    body = get("backbone", "resnet")(stem.out_specs[0], strides=(2, 2, 2, 2), act="leaky").to("meta")
    feats = body(stem.to("meta")(torch.empty(1, 3, 512, 1024, device="meta")))
    assert [tuple(f.shape[1:]) for f in feats] == [(64, 64, 128), (128, 32, 64), (256, 16, 32), (512, 8, 16)]
    assert [s.stride for s in body.out_specs] == [8, 16, 32, 64]


@pytest.mark.parametrize("spec", ["fanet18", "fanet18[attention=self]", "fanet18[attention=none]"])
def test_runs_and_traces(spec):
    model = arena.build(spec).eval()
    x = torch.randn(1, 3, 64, 64)  # stride 64 -> 1x1: the smallest valid input
    with torch.no_grad():
        y = model(x)
        assert y.shape == (1, 19, 64, 64) and torch.isfinite(y).all()
        traced = torch.fx.symbolic_trace(model)
        assert torch.allclose(traced(x), y)


def test_train_mode_aux_heads():
    model = arena.build("fanet18").train()
    out = model(torch.randn(2, 3, 64, 64))
    assert out["out"].shape == (2, 19, 64, 64)
    assert [w for _, w in out["aux"]] == [0.5, 0.5]


# -- fast / self attention against direct formulas --------------------------------------------

def _projections(block, x):
    b, c, h, w = x.shape
    q = block.q(x).flatten(2).transpose(1, 2)  # (B, n, 32)
    k = block.k(x).flatten(2).transpose(1, 2)  # (B, n, 32)
    v = block.v(x).flatten(2).transpose(1, 2)  # (B, n, C)
    return q, k, v


def _finish(block, y, x):
    b, c, h, w = x.shape
    return block.out(y.transpose(1, 2).reshape(b, c, h, w)) + x


@pytest.mark.parametrize("scale", ["none", "1/n"])
def test_fast_attention_matches_reference(scale):
    torch.manual_seed(0)
    block = get("attention", "fast")(FeatureSpec(24, 8), scale=scale).eval()
    x = torch.randn(2, 24, 6, 10)
    q, k, v = _projections(block, x)
    qh = q / q.norm(dim=2, keepdim=True).clamp_min(1e-12)
    kh = k / k.norm(dim=2, keepdim=True).clamp_min(1e-12)
    affinity = qh @ kh.transpose(1, 2)  # (B, n, n) cosine similarities, the quadratic order
    if scale == "1/n":
        affinity = affinity / (6 * 10)
    with torch.no_grad():
        assert torch.allclose(block(x), _finish(block, affinity @ v, x), atol=1e-5)


def test_self_attention_matches_reference():
    torch.manual_seed(0)
    block = get("attention", "self")(FeatureSpec(24, 8)).eval()
    x = torch.randn(2, 24, 6, 10)
    q, k, v = _projections(block, x)
    ref = _finish(block, torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v, x)
    with torch.no_grad():
        assert torch.allclose(block(x), ref, atol=1e-5)


def test_attention_kwarg_errors():
    with pytest.raises(BlockError, match="scale"):
        get("attention", "fast")(FeatureSpec(32, 8), scale="sqrt")
    with pytest.raises(BlockError, match="scale"):
        get("attention", "self")(FeatureSpec(32, 8), scale="1/n")


# -- backbone and stem options used by S2-FPN and GAIN ----------------------------------------

def test_stem_factors():
    stem = get("downsampler", "resnet_stem")
    assert stem(FeatureSpec(3, 1)).out_specs == (FeatureSpec(64, 4),)
    no_pool = stem(FeatureSpec(3, 1), factor=2)
    assert no_pool.out_specs == (FeatureSpec(64, 2),)
    assert no_pool(torch.randn(1, 3, 32, 32)).shape == (1, 64, 16, 16)
    with pytest.raises(BlockError, match="factor 4"):
        stem(FeatureSpec(3, 1), factor=8)


def test_resnet_options():
    resnet = get("backbone", "resnet")
    assert [s.stride for s in resnet(FeatureSpec(64, 4)).out_specs] == [4, 8, 16, 32]
    deep = resnet(FeatureSpec(128, 4), dilate_last=2)  # GAIN: deep stem (128) and dilated layer4
    assert isinstance(deep.layer1[0].shortcut, torch.nn.Sequential)  # 1x1 proj 128 -> 64
    assert deep.layer4[1].conv2[0].dilation == (2, 2) and deep.layer4[1].conv1[0].dilation == (1, 1)
    plain = resnet(FeatureSpec(64, 4))
    assert isinstance(plain.layer1[0].shortcut, torch.nn.Identity)
    with pytest.raises(BlockError, match="depth"):
        resnet(FeatureSpec(64, 4), depth=50)
    with pytest.raises(BlockError, match="4 strides"):
        resnet(FeatureSpec(64, 4), strides=(2, 2))


def test_fanet_up_padding_quirk():
    up = get("op", "fanet_up")
    x = torch.randn(1, 64, 8, 16)
    assert up(FeatureSpec(64, 8))(x).shape == (1, 32, 10, 18)  # official padding=1 on a 1x1 conv
    assert up(FeatureSpec(64, 8), up_padding=0)(x).shape == (1, 32, 8, 16)
