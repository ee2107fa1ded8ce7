"""DDRNet (arXiv:2101.06085): ddrnet23_slim, ddrnet23 and their blocks (rb, rbb, h2l, dappm, op.act).

Golden numbers come from specs/ddrnet.md (measured on the official code ydhongHIT/DDRNet), never from
our output:
- §7.2: inference parameters as arena/families/ddrnet.py records them; training graph 5,734,342 / 20,299,366
  (seghead_extra 38,355 / 150,419); 346 state-dict entries.
- §7.2 per part: stem 10,272 / 38,976; compression3+4 24,832 / 98,816; down3+4 443,392 / 1,771,520;
  layer5_ 58,112 / 230,912; layer5 920,576 / 3,676,160; spp 1,073,408 / 1,685,760 (§3.2 formula);
  final_layer 75,347 / 298,131.
- §7.2 fvcore MACs with the final resize: 9,167,645,696 @512x1024 and 36,670,383,104 @1024x2048
  (slim); 35,919,353,856 and 143,677,016,064 (DDRNet-23).
- §2.4, §2.6, §7.2: stage outputs, the DAPPM input and the aux head's input are pre-activation.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import VARIANTS
from blocks.registry import FeatureSpec, get
from tests.helpers import fvcore_total, primary_macs, rel

SLIM, FULL = "ddrnet23_slim", "ddrnet23"




# -- counts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, inference, total", [(SLIM, VARIANTS[SLIM].params, 5_734_342),
                                                     (FULL, VARIANTS[FULL].params, 20_299_366)])
def test_param_counts(variant, inference, total):
    net = arena.build(variant)
    counts = net.param_counts()
    assert (counts["inference"], counts["total"]) == (inference, total)
    assert len(net.state_dict()) == 346


@pytest.mark.parametrize("variant, parts", [
    (SLIM, (10_272, 24_832, 443_392, 58_112, 920_576, 1_073_408, 75_347)),
    (FULL, (38_976, 98_816, 1_771_520, 230_912, 3_676_160, 1_685_760, 298_131)),
])
def test_param_split(variant, parts):
    per = arena.build(variant).param_counts()["per_node"]
    ours = (per["conv1"], per["compression3"] + per["compression4"], per["down3"] + per["down4"],
            per["layer5_"], per["layer5"], per["spp"], per["final_layer"])
    assert ours == parts


def test_dappm_param_formula():
    """§3.2: 6*2*16C (BNs over x) + 5*16C*mid + 16C*out + 4*(2*mid + 9*mid^2) + 2*5*mid + 5*mid*out."""
    for c16, out, mid in ((512, 128, 128), (1024, 256, 128), (1024, 256, 112)):
        dappm = get("pyramid", "dappm")(FeatureSpec(c16, 64), out=out, mid=mid)
        formula = 6 * 2 * c16 + 5 * c16 * mid + c16 * out + 4 * (2 * mid + 9 * mid * mid) + 2 * 5 * mid + 5 * mid * out
        assert sum(p.numel() for p in dappm.parameters()) == formula


@pytest.mark.parametrize("variant, h, w, official", [
    (SLIM, 512, 1024, 9_167_645_696), (SLIM, 1024, 2048, 36_670_383_104),
    (FULL, 512, 1024, 35_919_353_856), (FULL, 1024, 2048, 143_677_016_064),
])
def test_primary_macs(variant, h, w, official):
    assert rel(primary_macs(variant, h, w), official) < 0.02


@pytest.mark.slow
def test_fvcore_macs_equal_the_official_count():
    assert fvcore_total(SLIM, 512, 1024) == 9_167_645_696


# -- quirks ---------------------------------------------------------------------------------------

def _capture(net, names, x):
    seen, hooks = {}, []
    for name in names:
        hooks.append(net.nodes[name].register_forward_hook(lambda m, a, out, name=name: seen.setdefault(name, out)))
    out = net(x)
    for h in hooks:
        h.remove()
    return seen, out


def test_fusions_add_pre_activation_stage_outputs():
    """§2.4: the fusion sums add raw stage outputs; the aux head and DAPPM read pre-activation tensors."""
    torch.manual_seed(0)
    net = arena.build(SLIM).train()
    with torch.no_grad():
        seen, _ = _capture(net, ["layer3", "layer3_", "high3", "layer5", "fused"], torch.randn(2, 3, 64, 128))
    assert all((seen[n] < 0).any() for n in seen)
    assert net.node("aux1").inputs == ("high3",) and net.node("spp").inputs == ("layer5",)
    assert net.node("low3").inputs == ("down3", "layer3")  # raw layer3, not its ReLU
    assert net.node("compression3").inputs == ("relu3",)  # the conv reads the ReLU'd copy


def test_op_act_leaves_its_input_intact():
    x = torch.randn(2, 4, 5, 5)
    y = get("op", "act")(FeatureSpec(4, 8))(x)
    assert (x < 0).any() and torch.equal(y, x.clamp(min=0))


def test_h2l_has_no_activation_after_its_last_conv():
    """§3.1: 3x3 s2 conv-BN, ReLU between convs, none after the last (down4: 2C -> 4C -> 8C)."""
    down4 = get("downsampler", "h2l")(FeatureSpec(64, 8), factor=4, out=256, width=128)
    kinds = [type(m).__name__ for m in down4.modules() if not isinstance(m, torch.nn.Sequential)][1:]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "BatchNorm2d"]
    assert sum(p.numel() for p in down4.parameters()) == 64 * 128 * 9 + 2 * 128 + 128 * 256 * 9 + 2 * 256
    assert down4.out_specs == (FeatureSpec(256, 32),)


def test_dappm_computes_the_spec_formula():
    """§3.2 written out with functional ops: pools before BN-ReLU, a cascade, compression + shortcut."""
    torch.manual_seed(0)
    m = get("pyramid", "dappm")(FeatureSpec(16, 64), out=8, mid=6).eval()
    with torch.no_grad():
        for bn in (mod for mod in m.modules() if isinstance(mod, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
        x = torch.randn(2, 16, 16, 32)

        def br_conv(seq, t):  # BN -> ReLU -> conv, by index
            return seq[-1](F.relu(seq[-3](t)))

        y = [br_conv(m.scale0, x)]
        pooled = [F.avg_pool2d(x, 5, 2, 2), F.avg_pool2d(x, 9, 4, 4), F.avg_pool2d(x, 17, 8, 8), x.mean((2, 3), True)]
        for k, (p, scale, process) in enumerate(zip(pooled, (m.scale1, m.scale2, m.scale3, m.scale4),
                                                    (m.process1, m.process2, m.process3, m.process4))):
            up = F.interpolate(br_conv(scale, p), size=(16, 32), mode="bilinear", align_corners=False)
            y.append(br_conv(process, up + y[k]))
        want = br_conv(m.compression, torch.cat(y, 1)) + br_conv(m.shortcut, x)
        torch.testing.assert_close(m(x), want)
        assert [t.shape[-2:] for t in pooled[:3]] == [(8, 16), (4, 8), (2, 4)]  # §3.2 at 1024x2048


def test_rb_and_rbb_end_without_activation():
    rb = get("backbone", "rb")(FeatureSpec(8, 4), n=2, out=16, strides=[2])
    assert rb.out_specs == (FeatureSpec(16, 8),) and rb[0].downsample is not None and rb[1].downsample is None
    assert isinstance(rb[0].out_act, torch.nn.ReLU) and isinstance(rb[1].out_act, torch.nn.Identity)
    rbb = get("backbone", "rbb")(FeatureSpec(8, 4), n=2, out=32, strides=[2])
    assert [b.conv1.out_channels for b in rbb] == [16, 16]  # expansion 2
    assert all(isinstance(b.out_act, torch.nn.Identity) for b in rbb)  # not even between the two
    assert isinstance(get("backbone", "rbb")(FeatureSpec(8, 4), n=2, mid_act=True)[0].out_act, torch.nn.ReLU)


def test_final_resize_and_interior_resizes_do_not_align_corners():
    net = arena.build(SLIM)
    assert net.final_align_corners is False
    ups = [n.name for n in net.plan if n.role.value == "upsampler"]
    assert ups == ["up3", "up4", "spp_up"] and all(net.nodes[u].align_corners is False for u in ups)


def test_sizes_not_divisible_by_8_run_here():
    """§2.11: the official model raises on 100x100; arena resizes to the guide and runs."""
    net = arena.build(SLIM).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 100, 100)).shape == (1, 19, 100, 100)


def test_aux_head_weight_and_training_outputs():
    out = arena.build(SLIM).train()(torch.randn(2, 3, 64, 64))
    assert [w for _, w in out["aux"]] == [0.4] and out["aux"][0][0].shape == (2, 19, 64, 64)
