"""PIDNet (arXiv:2206.02066): pidnet_s, pidnet_m, pidnet_l and their blocks (pag, pappm, bag, light_bag,
head.boundary).

Golden numbers come from specs/pidnet.md (measured on the official code XuJiacong/PIDNet), never from
our output:
- §7.2: inference parameters as arena/families/pidnet.py records them; training graph 7,720,935 /
  28,763,111 / 37,314,311 (seghead_p + seghead_d 76,563 + 18,657 for S, 150,419 + 74,177 for M,
  300,563 + 74,177 for L); state-dict entries 479 / 479 / 545.
- §7.2 per part: spp 712,384 / 1,222,336 / 1,444,832; dfm 33,280 / 132,096 / 590,336; final_layer
  150,419 / 298,131 / 595,731; PIDNet-M with n = 4 (the paper's table, §6): 34,439,827.
- §7.2 fvcore MACs with the final resize: S 11,919,150,080 @512x1024, 47,676,449,792 @1024x2048;
  M 44,531,005,440 / 178,123,720,704; L 68,955,604,992 / 275,822,069,760.
- §3.1-3.4 formulas (Pag, PAPPM, Bag, Light-Bag); §3.6: the aux heads read ReLU'd features.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import VARIANTS
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_total, primary_macs, rel




def _randomise_bn(module, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for bn in (m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    return module.eval()


# -- counts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, inference, total, p_head, d_head, entries", [
    ("pidnet_s", VARIANTS["pidnet_s"].params, 7_720_935, 76_563, 18_657, 479),
    ("pidnet_m", VARIANTS["pidnet_m"].params, 28_763_111, 150_419, 74_177, 479),
    ("pidnet_l", VARIANTS["pidnet_l"].params, 37_314_311, 300_563, 74_177, 545),
])
def test_param_counts(variant, inference, total, p_head, d_head, entries):
    with torch.device("meta"):
        net = arena.build(variant)
    counts = net.param_counts()
    assert (counts["inference"], counts["total"]) == (inference, total)
    assert (counts["per_node"]["aux1"], counts["per_node"]["aux2"]) == (p_head, d_head)
    assert len(net.state_dict()) == entries


@pytest.mark.parametrize("variant, spp, dfm, final", [
    ("pidnet_s", 712_384, 33_280, 150_419), ("pidnet_m", 1_222_336, 132_096, 298_131),
    ("pidnet_l", 1_444_832, 590_336, 595_731),
])
def test_param_split(variant, spp, dfm, final):
    with torch.device("meta"):
        per = arena.build(variant).param_counts()["per_node"]
    assert (per["spp"], per["dfm"], per["final_layer"]) == (spp, dfm, final)


def test_pidnet_m_with_four_branch_blocks_is_the_papers_count():
    """§6, A9: the paper's 34.4 M for PIDNet-M is the code's class with n = 4; the code ships n = 3."""
    with torch.device("meta"):
        assert arena.build("pidnet_m[n=4]").param_counts()["inference"] == 34_439_827


@pytest.mark.parametrize("variant, h, w, official", [
    ("pidnet_s", 512, 1024, 11_919_150_080), ("pidnet_s", 1024, 2048, 47_676_449_792),
    ("pidnet_m", 512, 1024, 44_531_005_440), ("pidnet_m", 1024, 2048, 178_123_720_704),
    ("pidnet_l", 512, 1024, 68_955_604_992), ("pidnet_l", 1024, 2048, 275_822_069_760),
])
def test_primary_macs(variant, h, w, official):
    assert rel(primary_macs(variant, h, w), official) < 0.02


@pytest.mark.slow
def test_fvcore_macs_equal_the_official_count():
    assert fvcore_total("pidnet_s", 512, 1024) == 11_919_150_080


# -- the blocks' functions, written out from the spec ------------------------------------------------

def test_pag_nodes_compute_the_official_pagfm():
    """§3.1: q = resize(BN(W_y y)) projected at y's stride, k = BN(W_x x), s = sigmoid(sum_c k q),
    out = (1 - s) x + s resize(y), then the ReLU; arena splits it into f_y, two resizes and the fusion."""
    y_spec, x_spec = FeatureSpec(8, 16), FeatureSpec(8, 8)
    f_y = _randomise_bn(get("op", "cbr")(y_spec, out=4, kernel=1, act="none"), 1)
    pag = _randomise_bn(get("fusion", "pag")(x_spec, x_spec, FeatureSpec(4, 8), act="relu"), 2)
    up = get("upsampler", "bilinear")(y_spec, x_spec)
    y, x = torch.randn(2, 8, 6, 10), torch.randn(2, 8, 12, 20)

    def resize(t):
        return F.interpolate(t, size=(12, 20), mode="bilinear", align_corners=False)

    with torch.no_grad():
        ours = pag(up(y, x), x, up(f_y(y), x))
        q = resize(f_y.body[1](f_y.body[0](y)))
        k = pag.f_x[1](pag.f_x[0](x))
        s = torch.sigmoid((k * q).sum(1, keepdim=True))
        assert torch.equal(ours, torch.relu((1 - s) * x + s * resize(y)))
        # two inputs (a hybrid): f_y after the resize, the same function up to rounding (§3.1)
        two = get("fusion", "pag")(x_spec, x_spec, act="relu").eval()
        two.load_state_dict({**pag.state_dict(), **{f"f_y.{k}": v for k, v in f_y.body.state_dict().items()}})
        torch.testing.assert_close(two(resize(y), x), ours, atol=1e-5, rtol=1e-5)
    with pytest.raises(BlockError, match="mixes its inputs"):
        get("fusion", "pag")(FeatureSpec(16, 8), x_spec, FeatureSpec(4, 8))
    wide = get("fusion", "pag")(FeatureSpec(16, 8), x_spec)  # a hybrid: the deep input is projected first
    assert wide.align is not None and wide(torch.randn(1, 16, 4, 4), torch.randn(1, 8, 4, 4)).shape == (1, 8, 4, 4)


def test_pappm_computes_the_spec_formula():
    """§3.2: parallel levels resize(s_k) + s0, one BN-ReLU and a grouped 3x3 (groups 4) over them."""
    m = _randomise_bn(get("pyramid", "pappm")(FeatureSpec(16, 64), out=8, mid=6))
    x = torch.randn(2, 16, 16, 32)

    def br_conv(seq, t):
        return seq[-1](F.relu(seq[-3](t)))

    with torch.no_grad():
        s0 = br_conv(m.scale0, x)
        pooled = [F.avg_pool2d(x, 5, 2, 2), F.avg_pool2d(x, 9, 4, 4), F.avg_pool2d(x, 17, 8, 8), x.mean((2, 3), True)]
        levels = [F.interpolate(br_conv(sc, p), size=(16, 32), mode="bilinear", align_corners=False) + s0
                  for p, sc in zip(pooled, (m.scale1, m.scale2, m.scale3, m.scale4))]
        z = br_conv(m.scale_process, torch.cat(levels, 1))
        torch.testing.assert_close(m(x), br_conv(m.compression, torch.cat([s0, z], 1)) + br_conv(m.shortcut, x))
    assert m.scale_process[2].groups == 4


def test_bag_and_light_bag_compute_the_code_formulas():
    """§3.4 with a = sigmoid(d) per channel and pixel; inputs in arena's (context, detail, boundary) order."""
    spec = FeatureSpec(6, 8)
    i, p, d = (torch.randn(2, 6, 5, 7) for _ in range(3))
    a = torch.sigmoid(d)
    bag = _randomise_bn(get("fusion", "bag")(spec, spec, spec), 3)
    light = _randomise_bn(get("fusion", "light_bag")(spec, spec, spec), 4)
    with torch.no_grad():
        mixed = a * p + (1 - a) * i
        assert torch.equal(bag(i, p, d), bag.conv[2](F.relu(bag.conv[0](mixed))))
        want = light.conv_p((1 - a) * i + p) + light.conv_i(i + a * p)
        assert torch.equal(light(i, p, d), want)
    with pytest.raises(BlockError, match="one width"):
        get("fusion", "bag")(spec, spec, FeatureSpec(4, 8))


# -- the networks' quirks ----------------------------------------------------------------------------

def test_aux_heads_read_relu_features():
    """§3.6: the official in-place ReLU reaches seghead_p (pag3) and seghead_d (D after add 4)."""
    net = arena.build("pidnet_s").train()
    assert net.node("aux1").inputs == ("pag3",) and net.node("aux2").inputs == ("add4",)
    seen = {}
    hooks = [net.nodes[n].register_forward_hook(lambda m, a, out, n=n: seen.__setitem__(n, a[0])) for n in ("aux1", "aux2")]
    with torch.no_grad():
        out = net(torch.randn(2, 3, 64, 64))
    for h in hooks:
        h.remove()
    assert all(seen[n].min() == 0.0 for n in seen)
    assert [(a.shape[1], w) for a, w, *_ in out["aux"]] == [(19, 0.4), (1, 20.0)]
    assert [len(item) for item in out["aux"]] == [2, 3]  # the boundary head brings its own loss


def test_variant_structure():
    """§2.4-2.6, §2.9: S/M narrow D at stage 3 (RB 2C -> C) then a Bottleneck; L: RBs at 2C, DAPPM, Bag."""
    for variant, d3, d4, spp, dfm in (("pidnet_s", ("rb", 32), ("rbb", 64), "pappm", "light_bag"),
                                      ("pidnet_l", ("rb", 128), ("rb", 128), "dappm", "bag")):
        with torch.device("meta"):
            net = arena.build(variant)
        assert (net.node("layer3_d").block, net.specs["layer3_d"].channels) == d3
        assert (net.node("layer4_d").block, net.specs["layer4_d"].channels) == d4
        assert (net.node("spp").block, net.node("dfm").block) == (spp, dfm)
        assert net.final_align_corners is True
        ups = [n for n in net.plan if n.role.value == "upsampler"]
        assert len(ups) == 7 and all(net.nodes[n.name].align_corners is False for n in ups)


def test_swap_reaches_every_interpolation():
    with torch.device("meta"):
        net = arena.build("pidnet_s[upsampler=nearest]")
    assert sum(n.block == "nearest" for n in net.plan) == 7
