"""SCTNet (arXiv:2312.17071): sctnet_s, sctnet_b and their blocks (cfblock, attention.sct, rb/dappm bias,
concat reverse).

Golden numbers come from specs/sctnet.md (measured on the official code xzz777/SCTNet), read from
arena/families/sctnet.py, never from our output; the per-part and per-block figures are the spec's:
- §7.2: inference parameters and fvcore MACs (512x1024, 1024x2048, 768x1536); AU_SCTHead 38,419 /
  150,547; 258 inference state-dict entries (+ 14 of AU_SCTHead).
- §7.2 per part (S): conv1 10,272; layer1 37,248; layer2 132,032; layer3 526,208; layer3_2 410,368;
  convdown4 295,680; layer4 = layer5 1,410,560; spp 271,168; decode_head 150,547.
- §3.1-3.2: the attention and CFBlock math, written out below with functional ops.
- §2.1, §2.5: raw (pre-ReLU) layer2 into the concat (first) and the aux head; raw layer3_2 into convdown4.
"""
from __future__ import annotations

import dataclasses
import io

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.errors import ArenaError
from arena.families import sctnet as family
from arena.networks import VARIANTS
from blocks.registry import BlockError, BlockRef, FeatureSpec, Role, get
from tests.helpers import fvcore_total, primary_macs, rel

S, B = "sctnet_s", "sctnet_b"


def meta(spec: str):
    with torch.device("meta"):
        return arena.build(spec)


# -- counts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", [S, B])
def test_param_counts(variant):
    net = meta(variant)
    counts = net.param_counts()
    assert counts["inference"] == VARIANTS[variant].params
    assert counts["total"] - counts["inference"] == family.AUX_PARAMS[variant]
    assert len(net.state_dict()) == 258 + 14


def test_param_split():
    per = meta(S).param_counts()["per_node"]
    names = ("conv1", "layer1", "layer2", "layer3", "layer3_2", "convdown4", "layer4", "layer5", "spp", "decode_head")
    assert tuple(per[n] for n in names) == (10_272, 37_248, 132_032, 526_208, 410_368, 295_680, 1_410_560,
                                            1_410_560, 271_168, 150_547)


def test_cfblock_parameter_formula():
    """§3.2: 18 C^2 + 902 C per CFBlock (C = 128, 256, 512: 410,368 / 1,410,560 / 5,180,416)."""
    for c, want in ((128, 410_368), (256, 1_410_560), (512, 5_180_416)):
        block = get("backbone", "cfblock")(FeatureSpec(c, 16))
        assert sum(p.numel() for p in block.parameters()) == 18 * c * c + 902 * c == want


@pytest.mark.parametrize("variant, res", [(S, 0), pytest.param(S, 1, marks=pytest.mark.slow),
                                          pytest.param(B, 0, marks=pytest.mark.slow),
                                          pytest.param(B, 1, marks=pytest.mark.slow)])
def test_primary_macs(variant, res):
    h, w = arena.networks.RESOLUTIONS[res]
    assert rel(primary_macs(variant, h, w), family.FVCORE_MACS[variant][res]) < 0.02


@pytest.mark.slow
def test_fvcore_macs_equal_the_official_count():
    assert fvcore_total(S, 512, 1024) == family.FVCORE_MACS[S][0]


@pytest.mark.slow
@pytest.mark.parametrize("variant", [S, B])
def test_seg75_macs(variant):
    assert rel(primary_macs(variant, 768, 1536), family.FVCORE_MACS_SEG75[variant]) < 0.02


# -- the blocks' math (§3.1, §3.2), written out with functional ops --------------------------------

def _double_norm(a, heads=8):
    b, m, h, w = a.shape
    a = torch.softmax(a.reshape(b, heads, m // heads, h * w), -1)  # over all positions, per channel
    return (a / (a.sum(2, keepdim=True) + 1e-6)).reshape(b, m, h, w)  # / the head's 8-channel sum


def _randomise(module):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.05) if p.dim() > 1 else p.uniform_(0.5, 1.5)
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    return module.eval()


def test_cfblock_computes_the_spec_formula():
    """x += Attn(x): BN, strip conv with K, double norm, conv with K in/out swapped (same taps, not a
    transposed conv); then x += MLP(x) = conv3(GELU(conv3(BN_1e-6(x))))."""
    block = _randomise(get("backbone", "cfblock")(FeatureSpec(16, 16)))[0]
    at, mlp = block.attn_l, block.mlp_l
    assert mlp.norm.eps == 1e-6 and at.norm.eps == 1e-5 and at.kv.shape == (64, 16, 7, 1)
    x = torch.randn(2, 16, 9, 13)
    with torch.no_grad():
        xn = at.norm(x)
        o_v = F.conv2d(_double_norm(F.conv2d(xn, at.kv, padding=(3, 0))), at.kv.permute(1, 0, 2, 3), padding=(3, 0))
        o_h = F.conv2d(_double_norm(F.conv2d(xn, at.kv3, padding=(0, 3))), at.kv3.permute(1, 0, 2, 3), padding=(0, 3))
        y = x + o_v + o_h
        want = y + F.conv2d(F.gelu(F.conv2d(mlp.norm(y), mlp.conv1.weight, mlp.conv1.bias, padding=1)),
                            mlp.conv2.weight, mlp.conv2.bias, padding=1)
        torch.testing.assert_close(block(x), want)
        flipped = F.conv_transpose2d(_double_norm(F.conv2d(xn, at.kv, padding=(3, 0))), at.kv, padding=(3, 0))
        assert not torch.allclose(flipped, o_v, atol=1e-3)  # the transposed conv is a different function


def test_zero_kernels_start_each_cfblock_as_x_plus_mlp():
    """§2.9: the official init calls are no-ops; kv, kv3 are zeros, and still get gradients."""
    block = get("backbone", "cfblock")(FeatureSpec(16, 16))[0].eval()
    x = torch.randn(2, 16, 8, 8)
    torch.testing.assert_close(block(x), x + block.mlp_l(x))
    block.train()(x).square().mean().backward()
    assert block.attn_l.kv.grad.abs().max() > 0 and block.attn_l.kv3.grad.abs().max() > 0


def test_drop_path_reaches_the_mixer_and_other_mixers_fit():
    stage = get("backbone", "cfblock")(FeatureSpec(32, 16), n=2, last_act="relu")
    assert [b.attn_l.rate for b in stage] == [0.1, 0.1] and stage[0].rate == 0.1
    assert isinstance(stage[0].out_act, torch.nn.Identity) and isinstance(stage[1].out_act, torch.nn.ReLU)
    gc = get("backbone", "cfblock")(FeatureSpec(32, 16), mixer=BlockRef(Role.ATTENTION, "gc"))
    assert gc(torch.randn(1, 32, 8, 8)).shape == (1, 32, 8, 8)
    with pytest.raises(BlockError, match="strides must be"):
        get("backbone", "cfblock")(FeatureSpec(32, 16), strides=[2])


def test_new_kwargs_of_shared_blocks():
    """A3, A5: biases on rb and dappm convs (S: 1,088 and 704 more parameters), concat in reverse order."""
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    rb = lambda **kw: n(get("backbone", "rb")(FeatureSpec(32, 4), n=2, out=32, **kw))  # noqa: E731
    assert rb(bias=True) - rb() == 128
    dappm = lambda **kw: n(get("pyramid", "dappm")(FeatureSpec(256, 32), out=64, mid=64, **kw))  # noqa: E731
    assert (dappm(bias=True), dappm(bias=True) - dappm()) == (271_168, 704)
    cat = get("fusion", "concat")(FeatureSpec(2, 8), FeatureSpec(3, 8), reverse=True)
    a, b = torch.zeros(1, 2, 4, 4), torch.ones(1, 3, 4, 4)
    assert torch.equal(cat(a, b), torch.cat([b, a], 1))


# -- the network's quirks ---------------------------------------------------------------------------

def test_raw_tensors_and_concat_order():
    """§2.5: x_out = [raw layer2, upsampled DAPPM]; the aux head reads raw layer2, convdown4 raw layer3_2."""
    torch.manual_seed(0)
    net = arena.build(S).train()
    seen = {}
    hooks = [net.nodes[n].register_forward_hook(lambda m, a, out, n=n: seen.setdefault(n, out))
             for n in ("layer2", "layer3_2", "x_out")]
    with torch.no_grad():
        net(torch.randn(2, 3, 32, 64))
    for h in hooks:
        h.remove()
    assert (seen["layer2"] < 0).any() and (seen["layer3_2"] < 0).any()
    assert torch.equal(seen["x_out"][:, :64], seen["layer2"])  # 2C = 64 channels of 128
    assert net.node("aux1").inputs == ("layer2",) and net.node("convdown4").inputs == ("layer3_2",)
    assert net.node("x_out").inputs == ("spp_up", "layer2")


def test_final_resize_and_aux_head():
    net = arena.build(S)
    assert net.final_align_corners is False and family.FAMILY.final_align_corners is False
    out = net.train()(torch.randn(2, 3, 64, 64))
    assert [w for _, w in out["aux"]] == [0.4] and out["aux"][0][0].shape == (2, 19, 64, 64)


# -- any resolution ---------------------------------------------------------------------------------

@pytest.mark.parametrize("h, w", [pytest.param(512, 1024, marks=pytest.mark.slow),
                                  pytest.param(1024, 2048, marks=pytest.mark.slow), (720, 960)])
def test_runs_at_every_resolution_on_meta(h, w):
    net = meta(S).eval()
    net.check_resolution(h, w)
    assert net(torch.empty(1, 3, h, w, device="meta")).shape == (1, 19, h, w)


def test_odd_sizes_run():
    """§2.0: any size works (stride-2 convs round up; resizes target their partner's size)."""
    with torch.no_grad():
        assert arena.build(S).eval()(torch.randn(1, 3, 50, 67)).shape == (1, 19, 50, 67)


@pytest.mark.slow
@pytest.mark.parametrize("h, w", [(720, 960)])
def test_sctnet_b_runs_for_real(h, w):
    with torch.no_grad():
        assert arena.build(B).eval()(torch.randn(1, 3, h, w)).shape == (1, 19, h, w)


# -- swaps ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("swap", ["attention=none"] + [pytest.param(s, marks=pytest.mark.slow) for s in
                                                     ("attention=gc", "fusion=add", "pyramid=ppm", "upsampler=gai")])
def test_swaps_build_and_run(swap):
    net = arena.build(f"{S}[{swap}]").eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 64, 64)).shape == (1, 19, 64, 64)
    if swap.startswith("attention="):  # the swap reaches the CFBlocks' mixer argument
        assert all(net.nodes[n][0].attn_l.block_name == swap.split("=")[1] for n in ("layer3_2", "layer4", "layer5"))
    if swap == "attention=none":  # the CFBlocks keep their MLP; the three mixers are gone
        assert net.param_counts()["inference"] == VARIANTS[S].params - sum(
            2 * 64 * c * 7 + 2 * c for c in (128, 256, 256))


# -- training -------------------------------------------------------------------------------------

def test_paper_schedule_is_the_official_config():
    """§5.1: AdamW 4e-4 / 0.0125 on every parameter, heads x10, poly 1.0 after 1.5k warm-up, 160k x 16 at
    512x1024, scale 0.25-1.5, mmseg's all-pixel CE mean; the missing teacher is named."""
    p = family.PAPER
    assert (p.optimizer, p.lr, p.betas, p.weight_decay, p.decay_norms_and_biases) == ("adamw", 4e-4, (0.9, 0.999),
                                                                                      0.0125, True)
    assert (p.iters, p.batch, p.crop, p.scale, p.power, p.warmup_iters) == (160_000, 16, (512, 1024), (0.25, 1.5),
                                                                            1.0, 1500)
    assert dict(p.lr_mult) == {"head": 10.0} and p.ce_all_pixels and p.ohem is None
    assert "no SIAM teacher" in p.source and family.FAMILY.training_note == family.TEACHER_GAP
    from arena.train.schedules import SCHEDULES

    assert p.record()["optimizer"] == "adamw" and p.record()["ce_all_pixels"] is True
    assert not {"optimizer", "betas", "ce_all_pixels"} & set(SCHEDULES["demo"].record())  # old settings unchanged
    with pytest.raises(ArenaError, match="optimizer must be one of sgd, adamw"):
        dataclasses.replace(p, optimizer="adam")


def test_adamw_groups_give_both_heads_ten_times_the_rate():
    from arena.train.setup import optimiser

    net = meta(S)
    opt = optimiser(net, family.PAPER)
    assert isinstance(opt, torch.optim.AdamW) and opt.defaults["betas"] == (0.9, 0.999)
    heads = {id(p) for n in ("decode_head", "aux1") for p in net.nodes[n].parameters()}
    for group in opt.param_groups:
        assert group["weight_decay"] == 0.0125  # decay on all parameters, norms and biases too
        assert all((id(p) in heads) == (group["lr_mult"] == 10.0) for p in group["params"])


def test_all_pixel_cross_entropy_counts_ignored_pixels_in_the_mean():
    """A11: mmseg v0.x divides by every label pixel, ignored ones included."""
    from arena.train.losses import IGNORE, pixel_loss

    logits = torch.randn(1, 3, 2, 2)
    labels = torch.tensor([[[0, 1], [IGNORE, IGNORE]]])
    valid = pixel_loss(logits, labels)
    assert torch.allclose(pixel_loss(logits, labels, all_pixels=True), valid / 2)


@pytest.mark.slow
def test_demo_training_runs_and_the_row_names_the_missing_teacher(tmp_path):
    from arena.train.loop import TrainConfig, train

    run = train(TrainConfig(spec=S, schedule="demo", iters=20, threads=1, out=str(tmp_path)))
    assert run.metrics["iterations"] == 20 and torch.isfinite(torch.tensor(run.metrics["final_loss"]))
    assert run.row["protocol"]["training_note"] == family.TEACHER_GAP
    from rich.console import Console

    from arena.cli.render import train_summary

    console = Console(width=400, record=True, file=io.StringIO())
    console.print(train_summary(run.row))  # `arena train` prints the note under the results
    assert "no SIAM teacher" in console.export_text()


# -- official checkpoints (A15): the timing copy's names, inference-only releases, another variant ----

def _official(variant: str):
    from tests.nets.test_official import as_official, randomised

    net = randomised(variant)
    return net, as_official(net, variant)


@pytest.mark.slow  # the quick tier's round trip of sctnet_s: tests/nets/test_official.py
def test_inference_only_and_timing_copy_checkpoints_load():
    """mmseg's `{"state_dict": ...}` without auxiliary_head.* (AU head left as built), and speed/SCTNet.py's
    `decoder.*` for `decode_head.*`: the same logits."""
    from arena.official import load_official

    net, official = _official(S)
    inference = {k.replace("decode_head.", "decoder."): v for k, v in official.items()
                 if not k.startswith("auxiliary_head.")}
    fresh = arena.build(S).eval()
    report = load_official(fresh, {"state_dict": inference})
    assert report["left_as_built"] and all(k.startswith("nodes.aux1.") for k in report["left_as_built"])
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        assert torch.equal(fresh(x), net(x))
    skipped = load_official(arena.build(S), official)["skipped"]
    assert len(skipped) == 352 - 14 and all("SIAM" in why for why in skipped.values())  # auxiliary_head.1


def test_a_checkpoint_of_the_other_variant_is_one_line():
    from arena.official import OfficialCheckpointError, load_official
    from tests.nets.test_official import recorded

    with torch.device("meta"):
        b = {k: torch.empty(s) for k, s in recorded(B)}
    with pytest.raises(OfficialCheckpointError) as e:
        load_official(meta(S), b)
    msg = str(e.value)
    assert "\n" not in msg and "does not fit sctnet_s" in msg and "shapes differ" in msg
