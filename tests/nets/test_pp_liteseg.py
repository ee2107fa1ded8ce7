"""PP-LiteSeg (arXiv:2204.02681): pp_liteseg_t, pp_liteseg_b and their blocks (sppm, uafm, the STDC skip pool).

Golden numbers come from specs/pp_liteseg.md (measured on the official PaddleSeg model), never from
our output:
- §7.2: inference parameters as arena/families/pp_liteseg.py records them (official - 3 `_scale`
  scalars, buffers here); training graph 8,141,603 / 12,366,467 (the same - 3); training-only heads
  113,280 / 131,712; state dict 250 / 370 official entries + one step counter per BN (48 / 72).
- §7.2 per part: backbone 5,318,304 / 9,348,768; SPPM 542,208; arm_list.2 1,327,713, arm_list.1
  664,033 / 700,961, arm_list.0 166,177 / 276,897 (each - 1: `_scale`); seg_heads.0 9,888 / 38,208.
- §7.2 fvcore MACs (final resize included): 11,512,042,752 / 19,336,910,080 @512x1024,
  46,039,897,344 / 77,339,366,656 @1024x2048, as the family module records them.
- §2.0 / §9: the STDC skip pool excludes padding; SPPM convs have biases; α goes to the skip.
"""
from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import RESOLUTIONS, VARIANTS
from blocks.backbones.stdc import STDCModule
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_total, n_params, primary_macs, randomise_bn, rel, run_cli, one_line_error

T, B = "pp_liteseg_t", "pp_liteseg_b"


@functools.cache
def meta(variant: str):
    """The network on the meta device, built once (tests set train/eval themselves)."""
    with torch.device("meta"):
        return arena.build(variant)


# -- counts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, total, aux, bns", [(T, 8_141_603 - 3, 113_280, 48), (B, 12_366_467 - 3, 131_712, 72)])
def test_param_counts(variant, total, aux, bns):
    v = VARIANTS[variant]
    net = meta(variant)
    counts = net.param_counts()
    assert v.params - v.unused_params == counts["inference"] and v.unused_params == 3
    assert counts["total"] == total and counts["total"] - counts["inference"] == aux
    official_entries = 250 if variant == T else 370
    assert len(net.state_dict()) == official_entries + bns  # + num_batches_tracked per BN
    assert sum(b.numel() for n, b in net.named_buffers() if n.endswith("_scale")) == 3


@pytest.mark.parametrize("variant, parts", [
    (T, (5_318_304, 542_208, 1_327_713, 664_033, 166_177, 9_888)),
    (B, (9_348_768, 542_208, 1_327_713, 700_961, 276_897, 38_208)),
])
def test_param_split(variant, parts):
    per = meta(variant).param_counts()["per_node"]
    ours = (per["x4"] + per["x8_x16_x32"], per["sppm"], per["arm32"] + 1, per["arm16"] + 1, per["arm8"] + 1,
            per["logits"])
    assert ours == parts


def test_block_param_formulas():
    """§3.1: 9CxCy + 2Cy + 9Cy*out + 2out + 96 (+1 `_scale`, a buffer here); §2.3: 3 x 131,456 + 147,840."""
    for cx, cy, out in ((1024, 128, 128), (512, 128, 64), (256, 64, 32), (7, 5, 3)):
        uafm = get("fusion", "uafm")(FeatureSpec(cy, 8), FeatureSpec(cx, 8), out=out)
        assert n_params(uafm) == 9 * cx * cy + 2 * cy + 9 * cy * out + 2 * out + 96
    sppm = get("pyramid", "sppm")(FeatureSpec(1024, 32), out=128)
    assert n_params(sppm) == 3 * 131_456 + 147_840 == 542_208
    assert n_params(get("pyramid", "sppm")(FeatureSpec(1024, 32), out=128, bias=False)) == 542_208 - 512


@pytest.mark.slow  # the quick tier has it: tests/measure/test_verify.py checks every published variant's MACs
@pytest.mark.parametrize("variant", [T, B])
@pytest.mark.parametrize("h, w", RESOLUTIONS)
def test_primary_macs(variant, h, w):
    official = VARIANTS[variant].gmacs[RESOLUTIONS.index((h, w))] * 1e9
    assert rel(primary_macs(variant, h, w), official) < 0.02


@pytest.mark.slow
def test_fvcore_macs_equal_the_official_count():
    """§7.1: fvcore on a transliteration equals the fvcore-rule count on the Paddle graph exactly."""
    assert fvcore_total(T, 512, 1024) == 11_512_042_752


# -- the blocks' math, written out by hand ----------------------------------------------------------

def _cbr(seq, x, act=True):
    conv, bn = seq[0], seq[1]
    y = F.batch_norm(F.conv2d(x, conv.weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups),
                     bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
    return F.relu(y) if act else y


def test_uafm_spatial_by_hand():
    """§3.1: x' = CBR(x); S = [mean x', max x', mean y, max y]; α = σ(CB(CBR(S))); CBR(α x' + (1 - α) y)."""
    m = randomise_bn(get("fusion", "uafm")(FeatureSpec(6, 8), FeatureSpec(10, 8), out=4))
    y, x = torch.randn(2, 6, 7, 9), torch.randn(2, 10, 7, 9)
    with torch.no_grad():
        xp = _cbr(m.conv_x, x)
        s = torch.cat([xp.mean(1, True), xp.max(1, True)[0], y.mean(1, True), y.max(1, True)[0]], 1)
        a = torch.sigmoid(_cbr(m.conv_xy_atten[1], _cbr(m.conv_xy_atten[0], s), act=False))
        want = _cbr(m.conv_out, a * xp + (1 - a) * y)
        torch.testing.assert_close(m(y, x), want)
        swapped = _cbr(m.conv_out, (1 - a) * xp + a * y)  # α on the upsampled input: a different function
        assert not torch.allclose(m(y, x), swapped)
    assert [k for k in m.state_dict()][:2] == ["_scale", "conv_x.0.weight"]  # the official order
    assert "_scale" not in dict(m.named_parameters())


def test_uafm_other_attentions_and_errors():
    y, x = torch.randn(2, 8, 5, 6), torch.randn(2, 12, 5, 6)
    for attention, extra in (("spatial_mean", 60), ("channel", 32 * 4 + 8 + 4 * 8 + 16), ("channel_mean", 16 * 4 + 8 + 4 * 8 + 16),
                             ("none", 0)):
        m = get("fusion", "uafm")(FeatureSpec(8, 8), FeatureSpec(12, 8), attention=attention).eval()
        assert m(y, x).shape == (2, 8, 5, 6)
        assert n_params(m) == 9 * 12 * 8 + 16 + 9 * 8 * 8 + 16 + extra, attention
    with pytest.raises(BlockError, match="attention must be one of"):
        get("fusion", "uafm")(FeatureSpec(8, 8), FeatureSpec(12, 8), attention="spacial")
    with pytest.raises(BlockError, match="upsample the deeper input"):
        get("fusion", "uafm")(FeatureSpec(8, 16), FeatureSpec(12, 8))


def test_sppm_by_hand():
    """§3.2: sum over bins of bilinear(CBR_bias(adaptive_avg_pool_b(x))), then a 3x3 CBR with bias."""
    m = randomise_bn(get("pyramid", "sppm")(FeatureSpec(16, 32), out=8, bins=[1, 2, 4]))
    x = torch.randn(2, 16, 7, 11)
    with torch.no_grad():
        assert all(s[0].bias is not None for s in m.stages) and m.conv_out[0].bias is not None
        for conv in [s[0] for s in m.stages] + [m.conv_out[0]]:
            conv.bias.uniform_(-0.5, 0.5)
        total = sum(F.interpolate(_cbr(s, F.adaptive_avg_pool2d(x, b)), size=(7, 11), mode="bilinear",
                                  align_corners=False) for b, s in zip((1, 2, 4), m.stages))
        torch.testing.assert_close(m(x), _cbr(m.conv_out, total))


def test_stdc_skip_pool_excludes_padding_when_asked():
    """§2.2 / A1: PaddleSeg's stride-2 skip pool excludes the padding; STDC-Seg's default counts it."""
    paddle = randomise_bn(STDCModule(16, 64, 2, skip_count_pad=False))
    torch_ = STDCModule(16, 64, 2)
    torch_.load_state_dict(paddle.state_dict())
    x = torch.randn(1, 16, 9, 11)
    with torch.no_grad():
        b1 = _cbr(paddle.conv_list[0], x)
        torch.testing.assert_close(paddle(x)[:, :32], F.avg_pool2d(b1, 3, 2, 1, count_include_pad=False))
        assert not torch.allclose(paddle(x)[:, :32], torch_.eval()(x)[:, :32])
        torch.testing.assert_close(paddle(x)[:, 32:], torch_(x)[:, 32:])
    trunk = meta(T).nodes["x8_x16_x32"]
    assert all(not m.skip.count_include_pad for m in trunk.modules() if isinstance(m, STDCModule) and m.stride == 2)


# -- graph, resolutions, swaps ---------------------------------------------------------------------

def test_wiring_and_training_outputs():
    net = meta(T)
    assert net.node("arm32").inputs == ("up32", "x32") and net.node("up32").inputs == ("sppm", "x32")
    assert net.node("aux1").inputs == ("arm16",) and net.node("aux2").inputs == ("arm32",)
    outs = net.train()(torch.empty(2, 3, 64, 96, device="meta"))  # §2.5: three outputs, each at the input size
    assert outs["out"].shape == (2, 19, 64, 96)
    assert [(tuple(t.shape), w) for t, w in outs["aux"]] == [((2, 19, 64, 96), 1.0)] * 2


@pytest.mark.parametrize("variant", [T, pytest.param(B, marks=pytest.mark.slow)])
@pytest.mark.parametrize("h, w", [(512, 1024), (1024, 2048), (720, 960), (200, 328)])  # meta: shapes only
def test_any_resolution(variant, h, w):
    """§2.9: every resize targets an explicit size and the pools are adaptive: any H x W runs."""
    net = meta(variant).eval()
    assert net(torch.empty(1, 3, h, w, device="meta")).shape == (1, 19, h, w)


def test_fusion_swaps():
    """uafm's slots take any same-stride fusion; BGA (which upsamples inside) refuses in one line."""
    assert meta("pp_liteseg_t[fusion=ffm]").eval()(torch.empty(1, 3, 64, 128, device="meta")).shape == (1, 19, 64, 128)
    msg = one_line_error(run_cli("profile", "pp_liteseg_t[fusion=bga]", "--res", "64x128"))
    assert "bga" in msg and "4x the detail stride" in msg


# -- training -------------------------------------------------------------------------------------

def test_paper_schedule_is_the_official_recipe():
    """§5.1: SGD 0.005 / 0.9, L2 5e-4 on everything, 1 K warm-up from 1e-5 then poly 0.9, batch 16,
    1024x512 crops, 160 K iterations, OHEM (0.7, 130 K) on all three outputs with weight 1."""
    from arena.families.pp_liteseg import PAPER

    assert (PAPER.iters, PAPER.batch, PAPER.crop, PAPER.lr, PAPER.momentum) == (160_000, 16, (512, 1024), 0.005, 0.9)
    assert PAPER.weight_decay == 5e-4 and PAPER.decay_norms_and_biases
    assert PAPER.warmup_iters == 1000 and PAPER.lr_at(0) == pytest.approx(1e-5)
    assert PAPER.lr_at(1000) == pytest.approx(0.005) and PAPER.lr_at(80_500) == pytest.approx(0.005 * 0.5 ** 0.9)
    assert (PAPER.ohem, PAPER.ohem_min_kept) == (0.7, 130_000)
    assert [n.aux for n in meta(T).plan if n.aux is not None] == [1.0, 1.0]


@pytest.mark.slow
def test_demo_training_runs(tmp_path):
    """`arena train pp_liteseg_t --schedule demo`, 20 iterations: the three heads train, the row is written."""
    r = run_cli("train", T, "--schedule", "demo", "--iters", "20", "--threads", "1", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    rows = list(tmp_path.glob("runs/*/row.json"))
    assert len(rows) == 1 and '"pp_liteseg_t"' in rows[0].read_text()


# -- official checkpoints in Paddle's layout -------------------------------------------------------

def _paddle_file(net, variant: str, path, drop: str = "", extra: str = ""):
    """`net`'s weights as PaddleSeg saves them: numpy arrays pickled under the official Paddle names
    (BN statistics `_mean` / `_variance`, no step counters, `_scale` as (1,)), plus Paddle's metadata."""
    import pickle

    import numpy as np

    from tests.nets.test_official import as_official

    state = {}
    for name, tensor in as_official(net, variant).items():
        paddle = name.replace(".running_mean", "._mean").replace(".running_var", "._variance")
        if paddle != drop:
            state[paddle] = tensor.numpy().astype(np.float32)
    if extra:
        state[extra] = np.zeros(3, np.float32)
    state["StructuredToParameterName@@"] = {"backbone.features.0.conv.weight": "conv2d_0.w_0"}
    with open(path, "wb") as f:
        pickle.dump(state, f, protocol=4)
    return path


@pytest.mark.parametrize("variant", [T, pytest.param(B, marks=pytest.mark.slow)])
def test_paddle_checkpoint_loads_and_gives_the_same_logits(tmp_path, variant):
    from tests.nets.test_official import randomised

    net = randomised(variant)
    path = _paddle_file(net, variant, tmp_path / "model.pdparams")
    fresh = arena.build(variant).eval()
    report = arena.load_official(fresh, path)
    assert report["skipped"] == {} and report["loaded"] == (250 if variant == T else 370)
    # Paddle keeps no step counters: the aux heads' stay as built (training-only nodes), the rest are kept
    assert report["counters_kept"] + len(report["left_as_built"]) == (48 if variant == T else 72)
    assert {k.split(".")[1] for k in report["left_as_built"]} == {"aux1", "aux2"}
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        want, got = net(x), fresh(x)
    assert (got - want).abs().max() <= 1e-4 * want.abs().max()
    assert torch.equal(fresh.nodes["arm8"]._scale, torch.ones(1))


@pytest.mark.parametrize("drop, extra, says", [
    ("ppseg_head.arm_list.1._scale", "", "missing (nodes.arm16._scale)"),
    pytest.param("", "ppseg_head.cm.stages.3.1._conv.weight", "unmatched (ppseg_head.cm.stages.3.1._conv.weight)",
                 marks=pytest.mark.slow),
])
def test_paddle_file_with_a_missing_or_extra_key_is_refused_in_one_line(tmp_path, drop, extra, says):
    from arena.official import OfficialCheckpointError

    path = _paddle_file(arena.build(T), T, tmp_path / "model.pdparams", drop=drop, extra=extra)
    r = run_cli("convert", T, "--official", path, "--out", tmp_path / "arena.pth")
    assert says in one_line_error(r)
    assert not (tmp_path / "arena.pth").exists()
    with pytest.raises(OfficialCheckpointError, match=says.replace("(", "\\(").replace(")", "\\)")):
        arena.load_official(T, path)
