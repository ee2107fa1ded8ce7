"""STDC-Seg (arXiv:2104.13188): the STDC backbone, ARM, pooled context, BiSeNet FFM, detail head and loss.

Golden numbers come from specs/stdc.md (measured on the official code MichaelFan01/STDC-Seg) or
from hand computation, never from our output:
- §2.1 / §7.2: inference parameters as arena/families/stdc.py records them; trunk 5,318,304 /
  9,348,768 (stem 928 + 18,560); decoder 2,956,800; training-only heads 297,792 (75,072 x 2 + 147,648);
  cp.arm32 1,196,544, cp.arm16 606,720, conv_head 147,712 each, conv_avg 131,328, ffm 131,584,
  conv_out 595,200.
- §2.2: STDC module parameters: s2 64->256 111,488; s1 256 134,656, 512 537,600, 1024 2,148,352;
  s2 256->512 474,880, 512->1024 1,891,840.
- §7.3: fvcore MACs of the inference graph with the final resize: 16,957,965,056 / 23,567,139,584
  at 512x1024, 67,831,268,096 / 94,267,966,208 at 1024x2048; conv_head16 4,840,226,816 at 1024x2048
  (it runs at stride 8: the upsample comes first), i.e. a quarter at 512x1024.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import VARIANTS
from blocks.backbones.stdc import STDCModule
from blocks.heads.detail import detail_targets, dice_loss
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_analysis, fvcore_total, n_params, randomise_bn


@pytest.fixture(scope="module")
def stdc1():
    return arena.build("stdc1_seg").eval()


# -- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, inference, trunk", [("stdc1_seg", VARIANTS["stdc1_seg"].params, 5_318_304),
                                                       ("stdc2_seg", VARIANTS["stdc2_seg"].params, 9_348_768)])
def test_param_counts(variant, inference, trunk):
    net = arena.build(variant)
    counts = net.param_counts()
    assert counts["inference"] == inference
    per = counts["per_node"]
    assert per["x4"] == 928 + 18_560 and per["x4"] + per["x8_x16_x32"] == trunk
    assert inference - trunk == 2_956_800
    # training-only heads: 297,792 official + the detail loss's 3 fuse weights (held by the head here)
    assert counts["total"] - inference == 297_792 + 3


def test_context_path_param_split(stdc1):
    per = stdc1.param_counts()["per_node"]
    assert per["r32"] + per["a32"] == 1_196_544 and per["r16"] + per["a16"] == 606_720
    assert per["cp16"] == per["cp8"] == 147_712 and per["g32"] == 131_328
    assert per["fused"] == 131_584 and per["logits"] == 595_200
    assert per["aux1"] == per["aux2"] == 75_072 and per["aux3"] == 147_648 + 3


def test_stdc_module_params():
    assert n_params(STDCModule(64, 256, 2)) == 111_488
    assert [n_params(STDCModule(c, c, 1)) for c in (256, 512, 1024)] == [134_656, 537_600, 2_148_352]
    assert n_params(STDCModule(256, 512, 2)) == 474_880 and n_params(STDCModule(512, 1024, 2)) == 1_891_840


# -- the modules' math, written out by hand on the same weights ---------------------------------

def _cbr(seq, x):
    conv, bn = seq[0], seq[1]
    return F.relu(F.batch_norm(F.conv2d(x, conv.weight, None, conv.stride, conv.padding), bn.running_mean,
                               bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps))


def test_stride2_stdc_module_by_hand():
    """Spec §2.2 / A8: depthwise 3x3 s2 + BN, no ReLU, before a stride-1 block 2; block 1 pooled by
    AvgPool(3, 2, 1) counting the padding; concat [B1, B2, B3, B4]; no residual, no activation."""
    m = randomise_bn(STDCModule(16, 64, 2))
    x = torch.randn(2, 16, 9, 11)  # odd: the depthwise conv and the pool both give ceil(H/2)
    with torch.no_grad():
        b1 = _cbr(m.conv_list[0], x)
        dw, bn = m.avd_layer
        d = F.batch_norm(F.conv2d(b1, dw.weight, None, 2, 1, 1, 32), bn.running_mean, bn.running_var,
                         bn.weight, bn.bias, False, 0.0, bn.eps)
        b2 = _cbr(m.conv_list[1], d)
        b3 = _cbr(m.conv_list[2], b2)
        b4 = _cbr(m.conv_list[3], b3)
        pooled = F.avg_pool2d(b1, 3, 2, 1, count_include_pad=True)
        want = torch.cat([pooled, b2, b3, b4], dim=1)
        assert [t.shape[1] for t in (b1, b2, b3, b4)] == [32, 16, 8, 8] and want.shape[-2:] == (5, 6)
        torch.testing.assert_close(m(x), want, rtol=0, atol=0)
        relu_after_dw = torch.cat([pooled, _cbr(m.conv_list[1], F.relu(d))], dim=1)
        assert not torch.equal(m(x)[:, :48], relu_after_dw)  # the check can tell a ReLU after avd_layer


def test_backbone_strides_and_errors():
    body = get("backbone", "stdc")(FeatureSpec(64, 4), repeats=[4, 5, 3])
    assert body.out_specs == (FeatureSpec(256, 8), FeatureSpec(512, 16), FeatureSpec(1024, 32))
    assert [len(s) for s in body.stages] == [4, 5, 3]
    with pytest.raises(BlockError, match="one entry per stage"):
        get("backbone", "stdc")(FeatureSpec(64, 4), repeats=[2, 2])
    with pytest.raises(BlockError, match="divisible"):
        get("backbone", "stdc")(FeatureSpec(64, 4), widths=[100, 512, 1024])


def test_arm_and_ffm_by_hand():
    """ARM gate (§3.2): x * sigmoid(BN(W mean(x))), one linear layer, no residual. FFM (§3.3):
    u = CBR1x1(cat[skip, deep]); u * sigmoid(W2 relu(W1 mean(u))) + u."""
    arm = randomise_bn(get("attention", "arm")(FeatureSpec(16, 8)))
    x = torch.randn(2, 16, 6, 10)
    with torch.no_grad():
        bn = arm.bn_atten
        g = F.batch_norm(F.conv2d(x.mean((2, 3), keepdim=True), arm.conv_atten.weight), bn.running_mean,
                         bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        torch.testing.assert_close(arm(x), x * torch.sigmoid(g))
    ffm = randomise_bn(get("fusion", "bisenet_ffm")(FeatureSpec(8, 8), FeatureSpec(16, 8), out=16))
    deep, skip = torch.randn(2, 8, 6, 10), torch.randn(2, 16, 6, 10)
    with torch.no_grad():
        u = _cbr(ffm.convblk, torch.cat([skip, deep], dim=1))  # the backbone (skip) feature first
        g = torch.sigmoid(F.conv2d(F.relu(F.conv2d(u.mean((2, 3), keepdim=True), ffm.conv1.weight)),
                                   ffm.conv2.weight))
        torch.testing.assert_close(ffm(deep, skip), u * g + u)
        other = get("fusion", "bisenet_ffm")(FeatureSpec(8, 8), FeatureSpec(16, 8), out=16, order="deep_first")
        other.load_state_dict(ffm.state_dict())
        assert not torch.allclose(other.eval()(deep, skip), ffm(deep, skip))


def test_pooled_context_is_a_broadcast():
    gap = randomise_bn(get("pyramid", "gap")(FeatureSpec(32, 32), out=8))
    x = torch.randn(2, 32, 5, 7)
    with torch.no_grad():
        y = gap(x)
        torch.testing.assert_close(y, _cbr(gap.conv, x.mean((2, 3), keepdim=True)).expand(2, 8, 5, 7))


def test_context_path_wiring(stdc1):
    """§2.3: the ARM sums are upsampled (nearest) BEFORE conv_head32/16; aux heads on cp8 and cp16
    (the official conv_out16 reads the stride-8 feature); the detail head on the backbone's stride 8."""
    assert stdc1.node("cp16").inputs == ("u32",) and stdc1.node("u32").inputs == ("s32", "x16")
    assert stdc1.node("cp8").inputs == ("u16",) and stdc1.node("u16").inputs == ("s16", "x8")
    assert stdc1.node("fused").inputs == ("cp8", "x8")
    assert [(stdc1.node(a).inputs, stdc1.node(a).aux) for a in ("aux1", "aux2", "aux3")] == [
        (("cp8",), 1.0), (("cp16",), 1.0), (("x8",), 1.0)]
    assert stdc1.specs["cp8"] == FeatureSpec(128, 8) and stdc1.specs["cp16"] == FeatureSpec(128, 16)


# -- MACs (fvcore, as the spec measured the official code) ---------------------------------------

def test_fvcore_macs_512x1024_and_conv_head16_at_stride_8():
    flops = fvcore_analysis(arena.build("stdc1_seg").eval(), torch.randn(1, 3, 512, 1024))
    assert flops.total() == 16_957_965_056
    assert flops.by_module()["nodes.cp8"] == 4_840_226_816 // 4


@pytest.mark.slow
def test_fvcore_macs_512x1024_stdc2():
    assert fvcore_total("stdc2_seg", 512, 1024) == 23_567_139_584


@pytest.mark.slow
@pytest.mark.parametrize("variant, macs", [("stdc1_seg", 67_831_268_096), ("stdc2_seg", 94_267_966_208)])
def test_fvcore_macs_1024x2048(variant, macs):
    assert fvcore_total(variant, 1024, 2048) == macs


# -- forward ------------------------------------------------------------------------------------

def test_eval_returns_main_logits_and_odd_sizes_work(stdc1):
    with torch.no_grad():
        assert stdc1(torch.randn(1, 3, 100, 150)).shape == (1, 19, 100, 150)


def test_training_output_and_losses():
    from arena.train.losses import total_loss

    net = arena.build("stdc1_seg").train()
    out = net(torch.randn(2, 3, 64, 96))
    assert [tuple(a.shape) for a, *_ in out["aux"]] == [(2, 19, 64, 96)] * 2 + [(2, 1, 64, 96)]
    assert [len(item) for item in out["aux"]] == [2, 2, 3]  # the detail head brings its own loss
    labels = torch.randint(0, 19, (2, 64, 96))
    total, parts = total_loss(out, labels)
    assert set(parts) == {"main", "aux1", "aux2", "aux3"} and torch.isfinite(total)
    total.backward()
    fuse = net.nodes["aux3"].fuse
    assert fuse.grad is not None and torch.equal(fuse.grad, torch.zeros_like(fuse))  # spec §3.4


# -- the detail targets and loss (spec §3.4), by hand --------------------------------------------

def test_detail_targets_by_hand():
    """A vertical edge between class 0 (left) and class 2 (right) on an 8x8 map: the Laplacian is
    8*2 - 5*2 - 3*0 = 6 on the class-2 side of the edge and -6 (clamped to 0) on the class-0 side;
    the zero padding marks class 2's border (8*2 - 5*2 = 6 at an edge pixel) but not class 0's."""
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    labels[:, :, 4:] = 2
    fuse = torch.tensor([0.6, 0.3, 0.1]).view(1, 3, 1, 1)
    t = detail_targets(labels, fuse)[0, 0]
    assert t[1:-1, 4].eq(1).all() and t[1:-1, 3].eq(0).all()  # only the positive (higher id) side
    assert t[0, 4:].eq(1).all() and t[-1, 4:].eq(1).all() and t[:, -1].eq(1).all()  # class 2's border
    assert t[1:-1, :3].eq(0).all()  # class 0's border and interior: nothing
    # at the end of the official schedule weight decay has shrunk the kernel to (0.126, 0.063, 0.021)
    # (§3.4): the stride-2 and stride-4 edges no longer pass (0.084 <= 0.1), stride-1 edges only
    only_b1 = detail_targets(labels, torch.tensor([0.126, 0.063, 0.021]).view(1, 3, 1, 1))[0, 0]
    b1 = (F.conv2d(labels[:, None].float(), torch.tensor([[-1., -1, -1], [-1, 8, -1], [-1, -1, -1]]).view(1, 1, 3, 3),
                   padding=1).clamp(min=0) > 0.1).float()[0, 0]
    assert torch.equal(only_b1, b1) and not torch.equal(t, b1)


def test_detail_targets_mark_ignore_edges():
    labels = torch.full((1, 6, 6), 1, dtype=torch.long)
    labels[:, :, 3:] = 255
    t = detail_targets(labels, torch.tensor([0.6, 0.3, 0.1]).view(1, 3, 1, 1))[0, 0]
    assert t[1:-1, 3].eq(1).all() and t[1:-1, 2].eq(0).all()  # marked on the ignore side


def test_dice_loss_by_hand():
    p = torch.tensor([[[[0.5, 1.0], [0.0, 0.5]]]])
    t = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    # 1 - (2 * 1.5 + 1) / (2 + 2 + 1) = 0.2
    assert dice_loss(p, t).item() == pytest.approx(0.2)


def test_detail_head_fuse_modes():
    official = get("head", "detail")(FeatureSpec(256, 8))
    fixed = get("head", "detail")(FeatureSpec(256, 8), fuse="fixed")
    assert n_params(official) == 147_648 + 3 and n_params(fixed) == 147_648  # conv_out_sp8 = BiSeNetOutput(256, 64, 1)
    assert "fuse" in dict(fixed.named_buffers())
    with pytest.raises(BlockError, match="one detail logit"):
        get("head", "detail")(FeatureSpec(256, 8), classes=19)


# -- the official optimizer, as a schedule option (spec §5.1, §5.3) ------------------------------

def test_official_optimizer_groups():
    """x10 on the FFM and every head but the detail loss's fuse kernel (its own group at the base LR);
    `freeze_trunk_bn_affine` leaves the trunk's BN weights and biases out, as the official code does:
    13,248 parameters there (§7.2), less the unused conv_last BN and BatchNorm1d (2 x 2,048)."""
    from arena.train.loop import param_groups
    from arena.train.schedules import PAPER

    net = arena.build("stdc1_seg")
    sched = PAPER["stdc"]
    assert sched.freeze_trunk_bn_affine is False  # from scratch: the BN affine trains (docs)
    count = lambda groups: sum(p.numel() for g in groups for p in g["params"])  # noqa: E731
    default = param_groups(net, 5e-4, False, sched.lr_mult)
    official = param_groups(net, 5e-4, False, sched.lr_mult, freeze_trunk_bn_affine=True)
    assert count(default) == 8_572_896 + 3 and count(default) - count(official) == 13_248 - 2 * 2_048
    fast = {id(p) for g in default if g["lr_mult"] == 10.0 for p in g["params"]}
    heads = [n for n in net.plan if n.role.value == "head" or n.block == "bisenet_ffm"]
    want = {id(p) for n in heads for p in net.nodes[n.name].parameters()} - {id(net.nodes["aux3"].fuse)}
    assert fast == want


@pytest.mark.parametrize("variant", ["stdc1_seg", "stdc2_seg"])
def test_arena_tensors_the_official_state_dict_lacks(variant):
    """specs/stdc.md §2.0, §2.5: 12 BN step counters (InPlaceABNSync keeps none: 15 decoder BNs less the
    three unused detail heads) and the detail loss's fuse kernel."""
    import re

    from arena.official import key_table

    with torch.device("meta"):
        keys = arena.build(variant).state_dict()
    extra = [k for k in keys if any(re.fullmatch(p, k) for p, _ in key_table(variant).arena_only)]
    counters = sum(k.endswith("num_batches_tracked") for k in extra)
    assert (counters, len(extra) - counters) == (12, 1)
