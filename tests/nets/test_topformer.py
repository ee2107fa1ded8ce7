"""TopFormer (arXiv:2204.05525): topformer_t/_s/_b and their blocks (tpm, ppa, split, token_mhsa, sim).

Golden numbers come from specs/topformer.md (measured on the official code hustvl/TopFormer), read from
arena/families/topformer.py or quoted from the spec here, never from our output:
- §7.2: inference parameters (the family module), state-dict entries 376 / 394 / 394, the per-part split
  TPM / SASE / SIM / head; fvcore MACs (the family module's FVCORE_MACS).
- §2.1, §2.3: shapes at 1024x2048 (token map 16x32 at stride 64, SIM outputs at strides 8, 16, 32).
- §2.10: any input size runs (the pooled size is the rounded-up half of the stride-32 size).
- §3.2, §3.3, §9: unscaled attention logits; the SIM's hard sigmoid before its upsampling.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.families.topformer import FVCORE_MACS
from arena.networks import VARIANTS
from blocks.registry import FeatureSpec, get
from tests.helpers import fvcore_total, primary_macs, randomise_bn, rel

T, S, B = "topformer_t", "topformer_s", "topformer_b"


def meta(variant: str, **kw):
    with torch.device("meta"):
        return arena.build(variant, **kw)


# -- counts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, entries, parts", [
    (T, 376, (256_832, 1_037_056, 76_032, 19_091)),
    (S, 394, (688_272, 2_120_064, 160_128, 40_915)),
    (B, 394, (1_097_056, 3_586_048, 137_472, 19_091)),
])
def test_param_counts_and_split(variant, entries, parts):
    net = meta(variant)
    counts = net.param_counts()
    assert counts["inference"] == counts["total"] == VARIANTS[variant].params
    assert len(net.state_dict()) == entries
    per = counts["per_node"]
    sims = per["sim8"] + per["sim16"] + per["sim32"]
    assert (per["x2"] + per["x4_x8_x16_x32"], per["trans"], sims, per["logits"]) == parts  # stem + pyramid


@pytest.mark.parametrize("variant, i", [(B, 1)] + [pytest.param(v, i, marks=pytest.mark.slow)
                                                   for v, i in ((T, 0), (T, 1), (S, 0), (S, 1), (B, 0))])
def test_primary_macs_equal_the_official_fvcore_count(variant, i):
    """arena's primary counter, on meta tensors; the spec's fvcore totals (final resize in)."""
    (h, w), official = ((512, 1024), (1024, 2048))[i], FVCORE_MACS[variant][i]
    assert rel(primary_macs(variant, h, w), official) < 0.02


@pytest.mark.slow
@pytest.mark.parametrize("variant", [T, B])
def test_fvcore_macs_equal_the_official_count(variant):
    assert fvcore_total(variant, 512, 1024) == FVCORE_MACS[variant][0]


# -- any resolution ---------------------------------------------------------------------------------

def _shapes(variant: str, h: int, w: int) -> dict[str, tuple[int, ...]]:
    net = meta(variant).eval()
    seen = {}
    hooks = [net.nodes[n].register_forward_hook(lambda m, a, out, n=n: seen.setdefault(n, out))
             for n in ("tokens", "sim8", "sim16", "sim32")]
    seen["out"] = net(torch.empty(1, 3, h, w, device="meta"))
    for hook in hooks:
        hook.remove()
    return {k: tuple(v.shape) for k, v in seen.items()}


@pytest.mark.parametrize("h, w", [pytest.param(512, 1024, marks=pytest.mark.slow),
                                  pytest.param(1024, 2048, marks=pytest.mark.slow), (720, 960)])
def test_any_resolution_follows_the_official_pooling_rule(h, w):
    """§2.3: tokens at ceil(h32 / 2) x ceil(w32 / 2), h32 = ceil(h / 32); SIMs at ceil(h / s); logits H x W."""
    up = lambda n, s: -(-n // s)  # noqa: E731 - ceil division
    got = _shapes(B, h, w)
    assert got["tokens"] == (1, 384, up(up(h, 32), 2), up(up(w, 32), 2))
    assert [got[f"sim{s}"] for s in (8, 16, 32)] == [(1, 128, up(h, s), up(w, s)) for s in (8, 16, 32)]
    assert got["out"] == (1, 19, h, w)


@pytest.mark.slow
@pytest.mark.parametrize("variant", [T, S])
@pytest.mark.parametrize("h, w", [(512, 1024), (1024, 2048), (720, 960)])
def test_any_resolution_other_variants(variant, h, w):
    assert _shapes(variant, h, w)["out"] == (1, 19, h, w)


def test_odd_sizes_run():
    """§2.10: 100x100 and 513x1025 give 19 x H x W."""
    assert _shapes(T, 100, 100)["out"] == (1, 19, 100, 100)
    assert _shapes(T, 513, 1025)["out"] == (1, 19, 513, 1025)


# -- the blocks, against the spec's formulas ----------------------------------------------------

def test_ppa_pools_adaptively_to_the_rounded_up_half():
    ppa = get("op", "ppa")(FeatureSpec(2, 4), FeatureSpec(3, 8), FeatureSpec(4, 32), stride=2)
    xs = [torch.randn(1, 2, 25, 33), torch.randn(1, 3, 13, 17), torch.randn(1, 4, 4, 5)]
    y = ppa(*xs)
    want = torch.cat([F.adaptive_avg_pool2d(x, (2, 3)) for x in xs], dim=1)
    assert ppa.out_specs == (FeatureSpec(9, 64),) and torch.equal(y, want)


def test_split_keeps_order_and_widths():
    split = get("op", "split")(FeatureSpec(6, 64), sizes=[1, 2, 3])
    x = torch.randn(1, 6, 2, 2)
    assert [tuple(t.shape) for t in split(x)] == [(1, 1, 2, 2), (1, 2, 2, 2), (1, 3, 2, 2)]
    assert torch.equal(torch.cat(split(x), 1), x)


def test_sim_gates_before_upsampling():
    """§3.3: S = BN(W_l x_l) * up(hsigmoid(BN(W_a g))) + up(BN(W_e g)), hsigmoid = relu6(z + 3) / 6."""
    torch.manual_seed(0)
    sim = randomise_bn(get("fusion", "sim")(FeatureSpec(6, 8), FeatureSpec(5, 64), out=4))
    assert [n for n, _ in sim.named_children()][:3] == ["local_embedding", "global_embedding", "global_act"]
    xl, g = torch.randn(1, 6, 12, 20), 10 * torch.randn(1, 5, 2, 3)  # gates beyond the linear part
    up = lambda t: F.interpolate(t, size=(12, 20), mode="bilinear", align_corners=False)  # noqa: E731
    with torch.no_grad():
        want = sim.local_embedding(xl) * up(F.relu6(sim.global_act(g) + 3) / 6) + up(sim.global_embedding(g))
        assert torch.allclose(sim(xl, g), want, atol=1e-6)
        after = sim.local_embedding(xl) * F.relu6(up(sim.global_act(g)) + 3) / 6 + up(sim.global_embedding(g))
        assert not torch.allclose(sim(xl, g), after, atol=1e-4)


def test_attention_is_unscaled_and_the_projection_bn_starts_at_zero():
    block = arena.build(T).nodes["trans"].transformer_blocks[0]
    assert block.attn.scale == 1.0 and (block.attn.proj[1][1].weight == 0).all()
    assert isinstance(block.attn.proj[0], torch.nn.ReLU6) and isinstance(block.mlp.act, torch.nn.ReLU6)
    sqrt = get("attention", "token_mhsa")(FeatureSpec(208, 64), heads=4, scale="sqrt")
    assert sqrt.transformer_blocks[0].attn.scale == 16 ** -0.5


def test_pyramid_uses_relu_and_linear_bottlenecks():
    tpm = arena.build(T).nodes["x4_x8_x16_x32"]
    layer = tpm.layers[1].conv  # [3, 4, 16, 2]: expand 16 -> 64, depthwise s2, project 64 -> 16
    kinds = [type(m).__name__ for m in layer]
    assert kinds == ["ConvBNAct", "ReLU", "ConvBNAct", "ReLU", "ConvBNAct"]
    assert layer[0][0].weight.shape == (64, 16, 1, 1) and layer[2][0].stride == (2, 2)
    assert [type(m).__name__ for m in tpm.layers[0].conv] == ["ConvBNAct", "ReLU", "ConvBNAct"]  # t = 1
    assert tpm.layers[0].residual and not tpm.layers[1].residual and tpm.layers[2].residual


def test_bad_pyramid_lists_fail_in_one_line():
    from blocks.registry import BlockError
    with pytest.raises(BlockError, match="one entry per layer"):
        get("backbone", "tpm")(FeatureSpec(3, 1), kernels=[3], expands=[1, 2], widths=[8], strides=[1], outs=[0])
    with pytest.raises(BlockError, match="ending at the last layer"):
        get("backbone", "tpm")(FeatureSpec(3, 1), kernels=[3, 3], expands=[1, 2], widths=[8, 8], strides=[1, 2],
                               outs=[0])
    with pytest.raises(BlockError, match="summing to the input's 6 channels"):
        get("op", "split")(FeatureSpec(6, 8), sizes=[2, 2])


def test_paper_schedule_is_the_official_config():
    """§5.1: AdamW lr 3e-4, wd 0.01, head lr x 10, poly 1.0 after 1500
    warm-up iterations from 1e-6, 80k iterations, batch 8, crop 512x1024."""
    from arena.families.topformer import PAPER

    assert (PAPER.lr, PAPER.weight_decay, PAPER.power, PAPER.warmup_iters, PAPER.warmup_start) == (3e-4, 0.01, 1.0,
                                                                                                   1500, 1e-6)
    assert (PAPER.iters, PAPER.batch, PAPER.crop, dict(PAPER.lr_mult)) == (80_000, 8, (512, 1024), {"head": 10.0})
    assert "AdamW" in PAPER.source
