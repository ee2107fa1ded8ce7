"""AFFormer (arXiv:2301.04648): the patch embeddings, Restore, the AFF encoder in the network, the head-free head.

Golden numbers come from specs/afformer.md (measured on the official code dongbo811/AFFormer) through
arena/families/afformer.py, or from hand computation, never from our output:
- §7.2: inference parameters (the family's Variant figures less the unused `align`, 66,048);
- §2.2: per-module parameters (stem 5,136; patch_embed_stages.0 2,752; mhca_stages.0 3,472 / 3,472 / 4,560;
  patch_embed_stages.1 9,600 / 9,600 / 20,544; stage-1 encoder 72,128 / 72,128 / 157,344);
- §7.2 / §7.3: fvcore MACs with the final resize, and the einsum rounding (the family module's figures);
- §2.4: Restore's C^2 + 8.5 C; §2.5: the encoder's 41 C + n (8 C^2 + 31 C).
The logits are checked against a functional forward written here from the spec (§2-§3), reading the
official state-dict names, aliases included.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.families import afformer as family
from arena.networks import VARIANTS
from arena.official import OfficialCheckpointError, key_table, load_official, map_keys
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_analysis, n_params, one_line, one_line_error, run_cli
from tests.nets.test_official import as_official, randomised, recorded

VARIANT_NAMES = ("afformer_t", "afformer_s", "afformer_b")
LAYERS = {"afformer_t": (2, 4, 2), "afformer_s": (2, 4, 2), "afformer_b": (2, 6, 2)}


# -- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, c1, stage0, embed1, enc1", [
    ("afformer_t", 64, 3_472, 9_600, 72_128), ("afformer_s", 64, 3_472, 9_600, 72_128),
    ("afformer_b", 96, 4_560, 20_544, 157_344)])
def test_params(variant, c1, stage0, embed1, enc1):
    v = VARIANTS[variant]
    with torch.device("meta"):
        counts = arena.build(variant).param_counts()
    assert v.unused_params == family.ALIGN_PARAMS == 256 * 256 + 2 * 256  # align: 1x1 conv, no bias, + GN
    assert counts["inference"] == counts["total"] == v.params - v.unused_params
    per = counts["per_node"]
    assert per["stem"] == 5_136 and per["e0"] + per["p0"] == 2_752
    assert per["r0"] + per["a0"] == stage0 and per["e1"] + per["p1"] == embed1 and per["g1"] == enc1
    assert per["r1"] == c1 * c1 + 8.5 * c1  # Restore: C^2 + 8.5 C
    assert per["g1"] == 41 * c1 + 2 * (8 * c1 * c1 + 31 * c1)


def test_blocks_by_hand():
    """dwc_embed: dw 3x3 (stride, pad 1, no bias) -> pw -> BN -> Hardswish; restore: x + bottleneck."""
    emb = get("op", "dwc_embed")(FeatureSpec(8, 8), stride=4).eval()
    rst = get("op", "restore")(FeatureSpec(8, 8)).eval()
    x = torch.randn(2, 8, 9, 13)
    bn = lambda m, t: F.batch_norm(t, m.running_mean, m.running_var, m.weight, m.bias, False, 0.0, m.eps)  # noqa: E731
    with torch.no_grad():
        dw = F.conv2d(x, emb.dwconv.weight, None, 4, 1, groups=8)
        want = F.hardswish(bn(emb.bn, F.conv2d(dw, emb.pwconv.weight)))
        assert want.shape[-2:] == (3, 4)  # ceil(9 / 4), ceil(13 / 4)
        torch.testing.assert_close(emb(x), want)
        c1, c2 = rst.conv1, rst.conv2
        y = F.hardswish(bn(c1[1], F.conv2d(x, c1[0].weight)))
        y = F.hardswish(bn(rst.norm, F.conv2d(y, rst.dwconv.weight, None, 1, 1, groups=4)))
        torch.testing.assert_close(rst(x), x + bn(c2[1], F.conv2d(y, c2[0].weight)))
    assert emb.out_specs == (FeatureSpec(8, 32),)


def test_bad_kwargs_are_one_line():
    with pytest.raises(BlockError) as e:
        get("op", "restore")(FeatureSpec(9, 8))
    assert "reduction=2 must divide the 9" in one_line(e)
    with pytest.raises(BlockError) as e:
        get("head", "cls")(FeatureSpec(216, 8), mid=100)
    assert "groups=32 must divide mid=100" in one_line(e)
    with pytest.raises(BlockError) as e:
        get("op", "dwc_embed")(FeatureSpec(8, 8), kernel=4)
    assert "odd kernel" in one_line(e)


# -- the official function, written from the spec on the official names ---------------------------

def _bn(w, p, x):
    return F.batch_norm(x, w[f"{p}.running_mean"], w[f"{p}.running_var"], w[f"{p}.weight"], w[f"{p}.bias"],
                        False, 0.0, 1e-5)


def _embed(w, p, x, stride):
    x = F.conv2d(x, w[f"{p}.dwconv.weight"], None, stride, 1, groups=x.shape[1])
    return F.hardswish(_bn(w, f"{p}.bn", F.conv2d(x, w[f"{p}.pwconv.weight"])))


def _restore(w, p, x):
    y = F.hardswish(_bn(w, f"{p}.conv1.bn", F.conv2d(x, w[f"{p}.conv1.conv.weight"])))
    y = F.hardswish(_bn(w, f"{p}.norm", F.conv2d(y, w[f"{p}.dwconv.weight"], None, 1, 1, groups=y.shape[1])))
    return x + _bn(w, f"{p}.conv2.bn", F.conv2d(y, w[f"{p}.conv2.conv.weight"]))


def _dw(w, p, x, k):
    return F.conv2d(x, w[f"{p}.weight"], w[f"{p}.bias"], 1, k // 2, groups=x.shape[1])


def _layer(w, p, t, h, wd):
    """One MHCABlock on tokens (B, N, C); its cpe / crpe read through the layer's own alias names."""
    b, n, c = t.shape
    img = t.transpose(1, 2).reshape(b, c, h, wd)
    t = (_dw(w, f"{p}.cpe.proj", img, 3) + img).flatten(2).transpose(1, 2)
    u = F.layer_norm(t, (c,), w[f"{p}.norm1.weight"], w[f"{p}.norm1.bias"], 1e-6)
    q, k, v = F.linear(u, w[f"{p}.factoratt_crpe.qkv.weight"], w[f"{p}.factoratt_crpe.qkv.bias"]).reshape(
        b, n, 3, 8, c // 8).permute(2, 0, 3, 1, 4)  # (B, 8, N, Ch) each
    att = torch.einsum("bhnk,bhnv->bhkv", k.softmax(dim=2), v)
    att = torch.einsum("bhnk,bhkv->bhnv", q, att)
    vimg = v.transpose(2, 3).reshape(b, c, h, wd)  # channel = head * Ch + j
    low = torch.cat([F.interpolate(F.adaptive_avg_pool2d(g, s), (h, wd), mode="bilinear", align_corners=False)
                     for g, s in zip(vimg.split(c // 4, dim=1), (1, 2, 3, 6))], 1).relu()
    ch = c // 8
    high = torch.cat([_dw(w, f"{p}.factoratt_crpe.crpe.conv_list.{i}", g, kk) for i, (g, kk) in
                      enumerate(zip(vimg.split([2 * ch, 3 * ch, 3 * ch], dim=1), (3, 5, 7)))], 1)
    as_heads = lambda m: m.reshape(b, 8, ch, n).transpose(2, 3)  # noqa: E731
    y = (ch ** -0.5) * att + q * as_heads(high) + as_heads(low)
    t = t + F.linear(y.transpose(1, 2).reshape(b, n, c), w[f"{p}.factoratt_crpe.proj.weight"],
                     w[f"{p}.factoratt_crpe.proj.bias"])
    u = F.linear(F.layer_norm(t, (c,), w[f"{p}.norm2.weight"], w[f"{p}.norm2.bias"], 1e-6),
                 w[f"{p}.mlp.fc1.weight"], w[f"{p}.mlp.fc1.bias"])
    u = u + _dw(w, f"{p}.mlp.dwconv.dwconv", u.transpose(1, 2).reshape(b, -1, h, wd), 3).flatten(2).transpose(1, 2)
    return t + F.linear(F.gelu(u), w[f"{p}.mlp.fc2.weight"], w[f"{p}.mlp.fc2.bias"])


def official_forward(w, x, layers):
    size = x.shape[-2:]
    for i in (0, 1):
        x = F.hardswish(_bn(w, f"backbone.stem.{i}.bn", F.conv2d(x, w[f"backbone.stem.{i}.conv.weight"], None, 2, 1)))
    for s in range(4):
        pe, st = f"backbone.patch_embed_stages.{s}.patch_embeds", f"backbone.mhca_stages.{s}"
        e = _embed(w, f"{pe}.0.patch_conv", x, 2 if s == 1 else 1)
        p = _embed(w, f"{pe}.1.patch_conv", e, (1, 1, 2, 4)[s])
        if s == 0:
            out = _restore(w, f"{st}.Restore", e + p)
        else:
            b, c, h, wd = p.shape
            t = p.flatten(2).transpose(1, 2)
            for i in range(layers[s - 1]):
                t = _layer(w, f"{st}.mhca_blks.0.MHCA_layers.{i}", t, h, wd)
            g = t.transpose(1, 2).reshape(b, c, h, wd)
            r = _restore(w, f"{st}.Restore", e)
            if g.shape[-2:] != r.shape[-2:]:
                g = F.interpolate(g, r.shape[-2:], mode="bilinear", align_corners=True)
            out = r + g
        x = F.hardswish(_bn(w, f"{st}.aggregate.bn", F.conv2d(out, w[f"{st}.aggregate.conv.weight"])))
    y = F.group_norm(F.conv2d(x, w["decode_head.squeeze.conv.weight"]), 32, w["decode_head.squeeze.gn.weight"],
                     w["decode_head.squeeze.gn.bias"], 1e-5).relu()
    y = F.conv2d(y, w["decode_head.conv_seg.weight"], w["decode_head.conv_seg.bias"])
    return F.interpolate(y, size, mode="bilinear", align_corners=False)


@pytest.fixture(scope="module")
def official_t():
    """afformer_t's random weights (BN statistics, norms and biases drawn) in the official layout."""
    return as_official(randomised("afformer_t"), "afformer_t")


@pytest.mark.parametrize("variant", ["afformer_t", pytest.param("afformer_b", marks=pytest.mark.slow)])
def test_official_state_dict_gives_the_official_function(variant, official_t):
    """A random state dict in the official layout (aliases equal, BN statistics random) loads with
    arena.load_official, and arena's logits equal the spec's forward on the official names (rel 1e-4),
    at an odd size where every stride rounds up."""
    official = official_t if variant == "afformer_t" else as_official(randomised(variant), variant)
    fresh = arena.build(variant).eval()
    report = load_official(fresh, official)
    aliases = sum("checked equal" in why for why in report["skipped"].values())
    assert aliases == (140 if variant == "afformer_b" else 112)  # spec §7.1: the alias entries
    x = torch.randn(1, 3, 100, 148)
    with torch.no_grad():
        ours, want = fresh(x), official_forward(official, x, LAYERS[variant])
    assert ours.shape == (1, 19, 100, 148)
    assert (ours - want).norm() / want.norm() < 1e-4


def test_a_checkpoint_whose_shared_copies_differ_is_refused(tmp_path, official_t):
    """In the official model the copies are one tensor: a file where they differ is not an official
    state dict; one line, nothing written (`arena convert`, exit 2)."""
    official = dict(official_t)
    key = "backbone.mhca_stages.2.mhca_blks.0.MHCA_layers.3.factoratt_crpe.crpe.conv_list.1.bias"
    official[key] = official[key] + 1
    with pytest.raises(OfficialCheckpointError) as e:
        load_official("afformer_t", official)
    assert f"1 copies of a shared module differ from their original ({key} vs" in one_line(e)
    torch.save({"state_dict": official}, tmp_path / "afformer_t.pth")
    line = one_line_error(run_cli("convert", "afformer_t", "--official", tmp_path / "afformer_t.pth",
                                  "--out", tmp_path / "arena.pth"))
    assert "copies of a shared module differ" in line and not (tmp_path / "arena.pth").exists()


def test_key_table_aliases_and_skips():
    for variant, aliases in (("afformer_t", 112), ("afformer_b", 140)):
        km = map_keys(key_table(variant), [k for k, _ in recorded(variant)])
        assert len(km.aliases) == aliases and set(km.aliases.values()) <= set(km.mapped)
        assert sorted(set(km.skipped) - set(km.aliases)) == [f"decode_head.align.{p}" for p in
                                                             ("conv.weight", "gn.bias", "gn.weight")]


# -- any resolution (spec §2.10) -------------------------------------------------------------------

SLOW_TOO = ["afformer_t", *(pytest.param(v, marks=pytest.mark.slow) for v in VARIANT_NAMES[1:])]


@pytest.mark.parametrize("variant", SLOW_TOO)
def test_every_resolution_runs(variant):
    with torch.device("meta"):
        net = arena.build(variant).eval()
        for h, w in ((512, 1024), (1024, 2048), (720, 960), (33, 65)):
            assert net(torch.empty(1, 3, h, w)).shape == (1, 19, h, w)


# -- MACs (fvcore, as the spec measured the official code) ---------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANT_NAMES)
@pytest.mark.parametrize("res", [0, 1])
def test_fvcore_macs_equal_the_official_up_to_einsum_rounding(variant, res):
    """arena writes the attention products as matmul (exact); the official einsums are rounded by fvcore."""
    h, w = ((512, 1024), (1024, 2048))[res]
    flops = fvcore_analysis(arena.build(variant).eval(), torch.randn(1, 3, h, w))
    rounded, exact = family.EINSUM_MACS[variant][res]
    assert flops.by_operator()["matmul"] == exact
    assert flops.total() == family.FVCORE_MACS[variant][res] - rounded + exact


# -- swaps ---------------------------------------------------------------------------------------

def test_swaps_reach_the_encoders_and_the_prototype_resizes():
    with torch.device("meta"):
        net = arena.build("afformer_t[attention=sea]")
        assert {net.node(n).block for n in ("g1", "g2", "g3")} == {"sea"}
        up = arena.build("afformer_t[upsampler=nearest]")
        assert {up.node(n).block for n in ("u2", "u3")} == {"nearest"}
        assert up(torch.empty(1, 3, 64, 96)).shape == (1, 19, 64, 96)


# -- training --------------------------------------------------------------------------------------

def test_training_is_the_eval_graph_and_every_parameter_learns():
    """No auxiliary head (spec §2.7, §3.3): the training output is the logits alone, and since arena does
    not build the unused `align`, every parameter receives a gradient."""
    net = arena.build("afformer_t").train()
    out = net(torch.randn(2, 3, 32, 64))
    logits = out["out"] if isinstance(out, dict) else out
    assert logits.shape == (2, 19, 32, 64) and not (isinstance(out, dict) and out.get("aux"))
    F.cross_entropy(logits, torch.randint(0, 19, (2, 32, 64))).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


@pytest.mark.slow
def test_demo_schedule_trains_20_iterations(tmp_path):
    import json

    r = run_cli("train", "afformer_t", "--schedule", "demo", "--iters", "20", "--threads", "2", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    (row,) = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert row["metrics"]["iterations"] == 20 and 0 <= row["metrics"]["miou"] <= 1


def test_paper_schedule_is_the_official_config():
    """Spec §5.1: AdamW (0.9, 0.999), weight decay 0.01 on every parameter, lr 4e-4, poly power 1 after a
    1500-iteration linear warm-up from ratio 1e-6; CE averaged over all pixels (mmseg 0.21.1)."""
    from arena.train.schedules import PAPER
    from arena.train.setup import optimiser

    sched = PAPER["afformer"]
    assert sched is family.PAPER and sched.ce_all_pixels and sched.warmup_iters == 1500
    assert sched.lr_at(0) == pytest.approx(4e-4 * 1e-6) and sched.lr_at(1500) == pytest.approx(4e-4)
    assert sched.lr_at(1500 + (160_000 - 1500) // 2) == pytest.approx(2e-4, rel=1e-4)  # power 1: linear
    with torch.device("meta"):
        net = arena.build("afformer_t")
    opt = optimiser(net, sched)
    assert isinstance(opt, torch.optim.AdamW) and opt.defaults["betas"] == (0.9, 0.999)
    assert {g["weight_decay"] for g in opt.param_groups} == {0.01}
    assert sum(p.numel() for g in opt.param_groups for p in g["params"]) == VARIANTS["afformer_t"].expected_params
