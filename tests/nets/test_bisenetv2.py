"""BiSeNetV2 (arXiv:2004.02147): Detail Branch, Stem Block, GE layers, CE, BGA, head and boosters.

Golden numbers come from specs/bisenetv2.md (measured on the reference code CoinCheung/BiSeNet) or
from hand computation, never from our output:
- §2.1-2.5 / §7.3: the official inference parameters (arena/families/bisenetv2.py); 5,231,487 with the four boosters; detail
  519,232 (S1 38,848, S2 110,976, S3 369,408); stem 6,432; GE stages 8,336 + 17,600, 28,448 + 65,920,
  104,000 + 3 x 254,720; CE 164,608; BGA 478,720; head 1,201,171; boosters 37,475 / 112,211 /
  374,291 / 1,348,883.
- §7.3: fvcore MACs 24,747,033,088 at 512x1024 and 98,988,081,664 at 1024x2048 (final resize
  included); per module at 512x1024: detail 11,754,536,960, BGA 1,745,158,144.
- §7.3 what-ifs: the paper's GE (expansion in the gather conv) 6,048,707 parameters; head mid 128
  150,163 parameters.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import VARIANTS
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_analysis, fvcore_total, n_params, randomise_bn


@pytest.fixture(scope="module")
def net():
    return arena.build("bisenetv2").eval()


# -- parameters ---------------------------------------------------------------------------------

def test_param_counts(net):
    counts = net.param_counts()
    assert counts["inference"] == VARIANTS["bisenetv2"].params and counts["total"] == 5_231_487
    per = counts["per_node"]
    assert per["d8"] == 519_232 and [n_params(getattr(net.nodes["d8"], f"S{i}")) for i in (1, 2, 3)] == [
        38_848, 110_976, 369_408]
    assert per["s4"] == 6_432 and per["ctx"] == 164_608 and per["fused"] == 478_720
    assert per["logits"] == 1_201_171
    assert [per[f"aux{i}"] for i in (1, 2, 3, 4)] == [37_475, 112_211, 374_291, 1_348_883]
    stages = net.nodes["s8_s16_s32"].stages
    assert [[n_params(layer) for layer in stage] for stage in stages] == [
        [8_336, 17_600], [28_448, 65_920], [104_000, 254_720, 254_720, 254_720]]
    bga = net.nodes["fused"]
    assert [n_params(getattr(bga, m)) for m in ("left1", "left2", "right1", "right2", "conv")] == [
        17_792, 147_712, 147_712, 17_792, 147_712]


def test_paper_readings_are_kwargs():
    """§8 A1 / A7: the literal paper GE (dense 3x3 expansion) and a 128-wide head."""
    narrow = arena.build("bisenetv2[mid=128]").param_counts()["inference"]
    assert narrow == VARIANTS["bisenetv2"].params - 1_201_171 + 150_163
    ge = get("backbone", "ge")
    dense = n_params(ge(FeatureSpec(16, 4), expand_at="conv")) - n_params(ge(FeatureSpec(16, 4)))
    assert VARIANTS["bisenetv2"].params + dense == 6_048_707


def test_booster_widths_and_strides(net):
    """The boosters' second conv is stride^2 wide (16/64/256/1024, §2.5) after a nearest x2: logits at
    half the input's stride, as declared; the wrapper then resizes them to the input."""
    for i, stride in enumerate((4, 8, 16, 32), 1):
        head = net.nodes[f"aux{i}"]
        assert head.conv2[0].out_channels == stride ** 2 and head.out_specs == (FeatureSpec(19, stride // 2),)
        x = torch.randn(2, head.conv[0].in_channels, 8, 12)
        assert head.train()(x).shape == (2, 19, 16, 24)
    plain = get("head", "booster")(FeatureSpec(64, 16), inner_up=None)
    assert plain.out_specs == (FeatureSpec(19, 16),) and n_params(plain) == 64 * 128 * 9 + 256 + 128 * 19 + 19


def test_zero_initialised_projection_bn(net):
    """§2.7: each GE layer's projection BN starts at weight 0 (the reference's `last_bn`)."""
    for stage in net.nodes["s8_s16_s32"].stages:
        for layer in stage:
            assert torch.equal(layer.conv2[1].weight, torch.zeros_like(layer.conv2[1].weight))


# -- the modules' math, written out by hand on the same weights ---------------------------------

def _bn(bn, x):
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


def test_bga_by_hand():
    """§3.3 with the reference's nn.Upsample(scale_factor=4) (nearest); the size-based upsampler is
    identical when the sizes are multiples of 4 (§8 A10)."""
    bga = randomise_bn(get("fusion", "bga")(FeatureSpec(16, 8), FeatureSpec(16, 32)))
    d, s = torch.randn(2, 16, 8, 12), torch.randn(2, 16, 2, 3)
    up = torch.nn.Upsample(scale_factor=4)
    with torch.no_grad():
        l1 = F.conv2d(_bn(bga.left1[1], F.conv2d(d, bga.left1[0].weight, padding=1, groups=16)), bga.left1[2].weight)
        l2 = F.avg_pool2d(_bn(bga.left2[1], F.conv2d(d, bga.left2[0].weight, stride=2, padding=1)), 3, 2, 1)
        r1 = _bn(bga.right1[1], F.conv2d(s, bga.right1[0].weight, padding=1))
        r2 = F.conv2d(_bn(bga.right2[1], F.conv2d(s, bga.right2[0].weight, padding=1, groups=16)),
                      bga.right2[2].weight)
        summed = l1 * torch.sigmoid(up(r1)) + up(l2 * torch.sigmoid(r2))
        want = F.relu(_bn(bga.conv[1], F.conv2d(summed, bga.conv[0].weight, padding=1)))
        torch.testing.assert_close(bga(d, s), want, rtol=0, atol=0)
    with pytest.raises(BlockError, match="4x the detail stride"):
        get("fusion", "bga")(FeatureSpec(16, 8), FeatureSpec(16, 8))


def test_ge_and_ce_by_hand():
    """GE stride 1 (§3.1): relu(x + BN(W BN-relu(DW^6(CBR(x))))); CE (§3.2) with BN on the pooled vector."""
    layer = randomise_bn(get("backbone", "ge")(FeatureSpec(8, 4), widths=[8], repeats=[2], strides=[2])).stages[0][1]
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        g = F.relu(_bn(layer.conv1[1], F.conv2d(x, layer.conv1[0].weight, padding=1)))
        e = F.relu(_bn(layer.dwconv[1], F.conv2d(g, layer.dwconv[0].weight, padding=1, groups=8)))
        assert e.shape[1] == 48  # the depthwise conv expands (channel multiplier 6)
        want = F.relu(x + _bn(layer.conv2[1], F.conv2d(e, layer.conv2[0].weight)))
        torch.testing.assert_close(layer(x), want)
    ce = randomise_bn(get("pyramid", "gap_context")(FeatureSpec(8, 32), pool_bn=True))
    with torch.no_grad():
        v = _bn(ce.pool_bn, x.mean((2, 3), keepdim=True))
        v = F.relu(_bn(ce.glob[1], F.conv2d(v, ce.glob[0].weight)))
        want = F.relu(_bn(ce.fuse[1], F.conv2d(x + v, ce.fuse[0].weight, padding=1)))
        torch.testing.assert_close(ce(x), want)


def test_stem_block_concatenates_conv_path_first():
    stem = randomise_bn(get("downsampler", "stem_block")(FeatureSpec(3, 1)))
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        y = stem.conv(x)
        want = stem.fuse(torch.cat([stem.left(y), F.max_pool2d(y, 3, 2, 1)], dim=1))
        torch.testing.assert_close(stem(x), want, rtol=0, atol=0)


def test_upsampler_swap_reaches_bga():
    hybrid = arena.build("bisenetv2[upsampler=bilinear]")
    assert type(hybrid.nodes["fused"].up1).__name__ == "Bilinear"
    assert any("fused.up" in str(note) for note in hybrid.swap_notes)


# -- MACs (fvcore) ------------------------------------------------------------------------------

def test_fvcore_macs_512x1024():
    flops = fvcore_analysis(arena.build("bisenetv2").eval(), torch.randn(1, 3, 512, 1024))
    assert flops.total() == 24_747_033_088
    by = flops.by_module()
    assert by["nodes.d8"] == 11_754_536_960 and by["nodes.fused"] == 1_745_158_144


@pytest.mark.slow
def test_fvcore_macs_1024x2048():
    assert fvcore_total("bisenetv2", 1024, 2048) == 98_988_081_664


# -- forward ------------------------------------------------------------------------------------

def test_any_input_size(net):
    """The reference needs multiples of 32 (§8 A10); resizing to the guides' sizes works at any size."""
    with torch.no_grad():
        assert net(torch.randn(1, 3, 90, 120)).shape == (1, 19, 90, 120)


def test_training_output():
    net = arena.build("bisenetv2").train()
    out = net(torch.randn(2, 3, 64, 96))
    assert [(tuple(a.shape), w) for a, w in out["aux"]] == [((2, 19, 64, 96), 1.0)] * 4
    assert isinstance(net.nodes["logits"].body[1], torch.nn.Dropout)  # element-wise, as the reference
