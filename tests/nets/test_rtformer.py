"""RTFormer (arXiv:2210.07124): rtformer_slim, rtformer_base and their blocks (backbone.rtformer, fusion.cra,
op.brc, downsampler.h2l(preact=True)).

Golden numbers come from specs/rtformer.md (measured on the official PaddleSeg code) through
arena/families/rtformer.py, never from our output:
- §7.2: inference and training-graph parameters, official state-dict entries and BN layers (51 / 49).
- §7.2 per part (Slim / Base): conv1 10,272 / 38,976; layer4 1,805,568 / 7,215,616; layer5 1,805,568 /
  5,740,288 (Base: no `down`); spp 816,384 / 1,073,408; seghead 150,419 / 595,731; inside Slim's layer4:
  attn_shortcut_l 33,024, attn_l 98,560, mlp_l 1,180,672, compression 16,896, attn_h 128, mlp_h 73,984,
  cross_kv 33,280, down 369,024.
- §7.2 fvcore MACs with the final resize (the family module's figures; 9,550,287,360 @512x1024 for Slim).
- §3.1, §3.2 formulas (GFA's grouped double normalisation; cross attention with scale 1/12 and per-image
  keys); §2.4 call order; §2.6 concat order; §2.10 any input size; §5.1 aux weight 0.4.
"""
from __future__ import annotations

import math
import pickle

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.errors import ArenaError
from arena.families import rtformer as fam
from arena.networks import VARIANTS
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_total, primary_macs, randomise_bn, rel

SLIM, BASE = "rtformer_slim", "rtformer_base"


@pytest.fixture(scope="module")
def slim():
    """One real Slim for the forward checks that leave its weights alone."""
    return arena.build(SLIM)


def meta(variant: str):
    with torch.device("meta"):
        return arena.build(variant)


# -- counts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, bns", [(SLIM, 51), (BASE, 49)])
def test_param_counts(variant, bns):
    net = meta(variant)
    counts = net.param_counts()
    assert (counts["inference"], counts["total"]) == (VARIANTS[variant].params, fam.TRAIN_PARAMS[variant])
    state = [k for k in net.state_dict() if not k.endswith("num_batches_tracked")]
    assert len(state) == fam.STATE_ENTRIES[variant]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) == bns


@pytest.mark.parametrize("variant, parts", [
    (SLIM, (10_272, 1_805_568, 1_805_568, 816_384, 150_419)),
    (BASE, (38_976, 7_215_616, 5_740_288, 1_073_408, 595_731)),
])
def test_param_split(variant, parts):
    per = meta(variant).param_counts()["per_node"]
    block = [sum(per.get(f"{n}{i}", 0) for n in ("layer", "compression", "cross", "down")) for i in (4, 5)]
    assert (per["conv1"], *block, per["spp"], per["seghead"]) == parts


def test_slim_layer4_inside():
    net = meta(SLIM)
    low, cross = net.nodes["layer4"], net.nodes["cross4"]
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert (n(low.attn_shortcut_l), n(low.attn_l), n(low.mlp_l)) == (33_024, 98_560, 1_180_672)
    assert (n(net.nodes["compression4"]), n(cross.attn_h), n(cross.mlp_h), n(cross.cross_kv)) == (16_896, 128, 73_984,
                                                                                                 33_280)
    assert n(net.nodes["down4"]) == 369_024 and n(net.nodes["layer5"].attn_l) == 131_584


@pytest.mark.parametrize("variant, res", [(SLIM, 1), pytest.param(SLIM, 0, marks=pytest.mark.slow),
                                          pytest.param(BASE, 0, marks=pytest.mark.slow),
                                          pytest.param(BASE, 1, marks=pytest.mark.slow)])
def test_primary_macs(variant, res):
    (h, w), official = ((512, 1024), (1024, 2048))[res], VARIANTS[variant].gmacs[res] * 1e9
    assert rel(primary_macs(variant, h, w), official) < 0.02


@pytest.mark.slow
def test_fvcore_macs_equal_the_official_count():
    assert fvcore_total(SLIM, 512, 1024) == round(VARIANTS[SLIM].gmacs[0] * 1e9)


# -- the novel blocks against the spec's formulas ----------------------------------------------------

def test_gfa_stage_is_the_spec_formula():
    """§3.1 / §2.4 steps 1-3 written out: strided shortcut, softmax over positions per slot, divide by the
    group's slot sum + 1e-6, value memory; then the FFN (BN eps 1e-6, GELU erf)."""
    torch.manual_seed(0)
    stage = randomise_bn(get("backbone", "rtformer")(FeatureSpec(16, 16), out=32, strides=[2], heads=4))
    with torch.no_grad():
        stage.attn_l.k.normal_(0, 0.5)
        stage.attn_l.v.normal_(0, 0.5)
        x = torch.randn(2, 16, 7, 9)
        r = stage.attn_shortcut_l[1](stage.attn_shortcut_l[0](x))
        a = F.conv2d(stage.attn_l.norm(x), stage.attn_l.k, stride=2)  # (2, 32, 4, 5)
        assert a.shape[-2:] == (4, 5)  # ceil: the strided 1x1 conv subsamples
        want = torch.empty_like(a)
        for b in range(2):
            for g in range(4):
                slots = a[b, 8 * g:8 * g + 8].reshape(8, -1).softmax(dim=1)  # over the 20 positions
                want[b, 8 * g:8 * g + 8] = (slots / (slots.sum(0, keepdim=True) + 1e-6)).reshape(8, 4, 5)
        y = r + F.conv2d(want, stage.attn_l.v)
        ffn = stage.mlp_l
        assert ffn.norm.eps == 1e-6 and ffn.act.approximate == "none"
        y = y + ffn.conv2(F.gelu(ffn.conv1(F.batch_norm(y, ffn.norm.running_mean, ffn.norm.running_var,
                                                        ffn.norm.weight, ffn.norm.bias, eps=1e-6))))
        torch.testing.assert_close(stage(x), y)


def test_cross_attention_is_the_spec_formula():
    """§3.2: keys/values from the low branch max-pooled to S x S, per image; scale 1/S; no projections."""
    torch.manual_seed(0)
    cra = randomise_bn(get("fusion", "cra")(FeatureSpec(8, 8), FeatureSpec(24, 32), cross_size=3, ffn=False))
    with torch.no_grad():
        high, low = torch.randn(2, 8, 10, 12), torch.randn(2, 24, 3, 4)
        kv = cra.cross_kv[2](F.adaptive_max_pool2d(cra.cross_kv[0](low), 3))
        for b in range(2):
            k, v = kv[b, :8].reshape(8, 9), kv[b, 8:].reshape(8, 9)  # the 9 pooled pixels, row-major
            q = cra.attn_h.norm(high)[b].reshape(8, 120)
            out = v @ torch.softmax(k.T @ q / 3.0, dim=0)  # softmax over the 9 keys
            torch.testing.assert_close(cra(high, low)[b], high[b] + out.reshape(8, 10, 12))
    assert cra.out_specs == (FeatureSpec(8, 8),)


def test_bad_block_arguments_are_one_line():
    with pytest.raises(BlockError, match="heads=3 does not divide"):
        get("backbone", "rtformer")(FeatureSpec(16, 16), out=32, strides=[2], heads=3)
    with pytest.raises(BlockError, match="needs a stage that keeps its shape"):
        from blocks.registry import BlockRef, Role
        get("backbone", "rtformer")(FeatureSpec(16, 16), out=32, strides=[2],
                                    attention=BlockRef(Role.ATTENTION, "external"))
    with pytest.raises(BlockError, match="scale one of keys, channels"):
        get("fusion", "cra")(FeatureSpec(8, 8), FeatureSpec(24, 32), scale="heads")


def test_injection_and_compression_are_pre_activation():
    """§2.3, §2.4 step 4/8: BN -> ReLU -> conv with the official indices; no BN after the last conv."""
    down = get("downsampler", "h2l")(FeatureSpec(64, 8), factor=4, out=256, width=128, preact=True)
    kinds = [type(m).__name__ for m in down.convs]
    assert kinds == ["BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d", "ReLU", "Conv2d"]
    assert down.out_specs == (FeatureSpec(256, 32),)
    brc = get("op", "brc")(FeatureSpec(128, 16), out=64)
    assert [type(m).__name__ for m in brc.body] == ["BatchNorm2d", "ReLU", "Conv2d"] and brc.body[2].bias is None


# -- the network --------------------------------------------------------------------------------------

def test_graph_follows_the_official_forward(slim):
    base = meta(BASE)
    assert slim.node("cat").inputs == ("cross5", "spp_up")  # high branch first (§2.6, §8 A12)
    assert slim.node("spp").inputs == ("low5",) and base.node("spp").inputs == ("layer5",)  # Base: no layer5 down
    assert "down5" in slim.nodes and "down5" not in base.nodes
    assert slim.node("compression4").inputs == ("layer4",) and slim.node("cross4").inputs == ("high4", "layer4")
    assert slim.node("aux1").inputs == ("layer3_",) and slim.node("compression3").inputs == ("layer3",)
    assert slim.final_align_corners is False
    out = slim.train()(torch.randn(2, 3, 64, 128))
    assert [1.0] + [w for _, w in out["aux"]] == list(fam.AUX_WEIGHTS)


def test_odd_sizes_run(slim):
    """§2.10: every resize targets an explicit size and stride-2 ops give ceil sizes: any H x W runs."""
    with torch.no_grad():
        assert slim.eval()(torch.randn(1, 3, 100, 164)).shape == (1, 19, 100, 164)


@pytest.mark.parametrize("variant", [SLIM, pytest.param(BASE, marks=pytest.mark.slow)])
def test_every_resolution_on_meta(variant):
    net = meta(variant).eval()
    for h, w in ((512, 1024), (1024, 2048), (720, 960)):
        assert net(torch.empty(1, 3, h, w, device="meta")).shape == (1, 19, h, w)


# -- the official Paddle checkpoint layout -------------------------------------------------------------

def _paddle_file(net, variant: str, path):
    """`net`'s weights as a Paddle state dict: numpy arrays under the official Paddle names (recorded in
    specs/official_keys, read from the Paddle-named list), with Paddle's metadata entry, pickled."""
    from arena.official import key_table, map_keys
    from tests.nets.test_official import recorded

    table = map_keys(key_table(variant), [k for k, _ in recorded(variant)]).mapped
    ours = net.state_dict()
    state = {}
    for key, target in table.items():
        paddle = key.replace(".running_mean", "._mean").replace(".running_var", "._variance")
        state[paddle] = ours[target].detach().numpy().copy()
    state["StructuredToParameterName@@"] = {k: f"param_{i}" for i, k in enumerate(state)}
    with open(path, "wb") as f:
        pickle.dump(state, f, protocol=4)
    return path, state


def _random_net(variant: str):
    torch.manual_seed(1)
    net = randomise_bn(arena.build(variant))
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() <= 1:
                p.uniform_(0.2, 1.2)
            elif name.endswith(("attn_l.k", "attn_l.v")):  # memories away from their 0.001 init
                p.normal_(0.0, 0.1)
            else:  # away from the seeded build a fresh network repeats
                p.mul_(torch.empty_like(p).uniform_(0.5, 1.5))
    return net


@pytest.mark.parametrize("variant", [SLIM, pytest.param(BASE, marks=pytest.mark.slow)])
def test_paddle_file_loads_and_gives_the_same_logits(tmp_path, variant):
    net = _random_net(variant)
    path, state = _paddle_file(net, variant, tmp_path / "model.pdparams")
    assert len(state) - 1 == fam.STATE_ENTRIES[variant] and "layer4.attn_l.norm._mean" in state
    fresh = arena.build(variant).eval()
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        want, before = net(x), fresh(x)
        arena.load_official(fresh, path)
        got = fresh(x)
    gap = lambda y: float((y - want).abs().max()) / float(want.abs().max())  # noqa: E731
    assert gap(before) > 1e-2 and gap(got) < 1e-4


def test_paddle_file_of_the_other_variant_is_one_line(tmp_path):
    path, _ = _paddle_file(_random_net(SLIM), SLIM, tmp_path / "slim.pdparams")
    with pytest.raises(ArenaError) as e:
        arena.load_official(meta(BASE), path)
    assert "\n" not in str(e.value)
    with open(tmp_path / "cut.pdparams", "wb") as f:  # a missing key
        state = pickle.load(open(path, "rb"))
        state.pop("layer5.attn_l.k")
        pickle.dump(state, f, protocol=4)
    with pytest.raises(ArenaError, match="layer5.attn_l.k") as e:
        arena.load_official(meta(SLIM), tmp_path / "cut.pdparams")
    assert "\n" not in str(e.value)


# -- training ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_demo_schedule_trains_twenty_iterations(tmp_path):
    """§5.1: the aux head (seghead_extra) trains beside the main head at weight 0.4; the losses stay finite."""
    from arena.train.loop import TrainConfig, train

    run = train(TrainConfig(spec=SLIM, schedule="demo", iters=20, threads=2, out=str(tmp_path)))
    steps = run.metrics["curve"]["loss"]
    assert run.metrics["iterations"] == 20 and steps
    assert all(math.isfinite(step["loss"]) for step in steps)
    main, aux = fam.AUX_WEIGHTS
    last = steps[-1]
    assert set(last) >= {"main", "aux1"} and math.isclose(last["loss"], main * last["main"] + aux * last["aux1"],
                                                          rel_tol=1e-5)
