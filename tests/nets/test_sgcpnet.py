"""SGCPNet (arXiv:2005.11034), its MobileNetV3-Small backbone, stem, max-pool and weighted-sum fusion.

Golden numbers come from specs/sgcpnet.md (measured on the official code), never from our output:
- §2 / §5.2: parameters (arena/families/sgcpnet.py); split encoder 431,180 (stem 464 + stages 920 / 9,280 / 100,980 /
  319,536), laterals conv3/4/5 37,528, SGCP module 137,883, classifier 1,235.
- §5.2 and DESIGN §4: fvcore MACs 3.4392 G at 1024x2048 without the final resize, 3.599 G with
  fvcore's 4 MACs per output element of the bilinear resize (19 x 1024 x 2048 x 4 = 0.159 G);
  0.900 G at 512x1024 with the resize; conv-only 3.2749 G at 1024x2048.
- §2.1: MobileNetV3-Small's 40->48 projection shortcut (1x1 conv + BN) is an official quirk.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import arena
from arena.networks import VARIANTS
from blocks.registry import BlockError, FeatureSpec, get
from tests.helpers import fvcore_analysis, rel

RESIZE_1024 = 19 * 1024 * 2048 * 4  # fvcore's bilinear cost of the wrapper's final resize



@pytest.fixture(scope="module")
def net():
    return arena.build("sgcpnet").eval()


# -- parameters ---------------------------------------------------------------------------------

def test_param_counts(net):
    counts = net.param_counts()
    assert counts["inference"] == VARIANTS["sgcpnet"].params
    assert counts["total"] == VARIANTS["sgcpnet"].params  # no auxiliary head


def test_param_split(net):
    per = net.param_counts()["per_node"]
    assert per["x2"] + per["c8_c16_c32"] == 431_180  # encoder: our stem node + backbone node
    assert per["c3"] + per["c4"] + per["c5"] == 37_528
    assert per["logits"] == 1_235
    sgcp = sum(v for k, v in per.items() if k not in ("x2", "c8_c16_c32", "c3", "c4", "c5", "logits"))
    assert sgcp == 137_883


def test_backbone_stages():
    stem = get("downsampler", "strided_conv")(FeatureSpec(3, 1), factor=2, out=16, act="hswish")
    body = get("backbone", "mobilenetv3_small")(stem.out_specs[0], out_indices=(0, 1, 2, 3))
    assert sum(p.numel() for p in stem.parameters()) == 464
    assert [sum(p.numel() for p in s.parameters()) for s in body.stages] == [920, 9_280, 100_980, 319_536]
    assert [(s.channels, s.stride) for s in body.out_specs] == [(16, 4), (24, 8), (48, 16), (96, 32)]


def test_backbone_paper_variants():
    cls = get("backbone", "mobilenetv3_small")
    base = sum(p.numel() for p in cls(FeatureSpec(16, 2)).parameters())
    no_proj = sum(p.numel() for p in cls(FeatureSpec(16, 2), shortcut_proj=False).parameters())
    assert base - no_proj == 40 * 48 + 2 * 48  # the 40->48 projection shortcut: conv + BN
    paper = cls(FeatureSpec(16, 2), se_position="expand", se_bn=False).eval()
    feats = paper(torch.randn(1, 16, 64, 64))
    assert [f.shape[1:] for f in feats] == [(24, 16, 16), (48, 8, 8), (96, 4, 4)]
    shallow = cls(FeatureSpec(16, 2), out_indices=(1,))
    assert len(shallow.stages) == 2 and shallow.out_specs == (FeatureSpec(24, 8),)
    with pytest.raises(BlockError):
        cls(FeatureSpec(16, 2), strides=(2, 2, 2))
    with pytest.raises(BlockError):
        cls(FeatureSpec(16, 2), out_indices=(3, 1))


# -- shapes and function ------------------------------------------------------------------------

def test_forward_shapes(net):
    x = torch.randn(1, 3, 128, 256)
    with torch.no_grad():
        y = net(x)
    assert y.shape == (1, 19, 128, 256)
    assert torch.isfinite(y).all()
    # odd sizes work: every resampling resizes to its reference (specs/sgcpnet.md §7 A12)
    with torch.no_grad():
        assert net(torch.randn(1, 3, 100, 164)).shape == (1, 19, 100, 164)


def test_matches_official_wiring():
    """The DSL graph computes the official SGCP schedule (specs/sgcpnet.md §2.3), written out here
    independently on the same weights, with random fusion weights and BN statistics so that input
    order matters. Arena fusion inputs are (propagated, lateral[, top-down]); each node stores its
    weight vector in the official order, (lateral, propagated) and (lateral, top-down, pooled), so
    the official formula below applies `weight[k]` to the k-th official input as it is."""
    torch.manual_seed(0)
    m = arena.build("sgcpnet").eval()
    nodes = m.nodes
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
        for mod in nodes.values():
            if isinstance(getattr(mod, "weight", None), torch.nn.Parameter) and mod.weight.dim() == 1:
                mod.weight.uniform_(-0.2, 2.0)

    def fuse(node, inputs):  # official formula; inputs in the official order
        w = torch.relu(nodes[node].weight)
        w = w / (w.sum() + 1e-4)
        s = sum(wi * x for wi, x in zip(w, inputs))
        return nodes[node].conv(s * torch.sigmoid(s))

    def up(x, ref):
        return F.interpolate(x, size=ref.shape[-2:], mode="nearest")

    def down(x, ref):
        return F.interpolate(F.max_pool2d(x, 3, 2, 1), size=ref.shape[-2:], mode="nearest")

    x = torch.randn(1, 3, 96, 160)  # not a multiple of 128: the resizes to reference sizes matter
    with torch.no_grad():
        x3, x4, x5 = nodes["c8_c16_c32"](nodes["x2"](x))
        x3, x4, x5 = nodes["c3"](x3), nodes["c4"](x4), nodes["c5"](x5)
        p6_in = F.max_pool2d(nodes["p6_lat"](x5), 3, 2, 1)
        p7_in = F.max_pool2d(p6_in, 3, 2, 1)
        p3_in, p4_in, p5_in = nodes["p3_in"](x3), nodes["p4_in"](x4), nodes["p5_in"](x5)
        p6_up = fuse("p6_td", [p6_in, up(p7_in, p6_in)])
        p5_up = fuse("p5_td", [p5_in, up(p6_up, p5_in)])
        p4_up = fuse("p4_td", [p4_in, up(p5_up, p4_in)])
        p3_out = fuse("p3_out", [p3_in, up(p4_up, p3_in)])
        p4_in, p5_in = nodes["p4_in2"](x4), nodes["p5_in2"](x5)
        p4_out = fuse("p4_out", [p4_in, up(p4_up, p4_in), down(p3_out, p4_in)])
        p5_out = fuse("p5_out", [p5_in, up(p5_up, p5_in), down(p4_out, p5_in)])
        p6_out = fuse("p6_out", [p6_in, up(p6_up, p6_in), down(p5_out, p6_in)])
        p7_out = fuse("p7_out", [p7_in, down(p6_out, p7_in)])
        q6 = fuse("q6", [p6_out, up(p7_out, p6_out)])
        q5 = fuse("q5", [p5_out, up(q6, p5_out)])
        q4 = fuse("q4", [p4_out, up(q5, p4_out)])
        q3 = fuse("q3", [p3_out, up(q4, p3_out)])
        ref = F.interpolate(nodes["logits"](q3), size=x.shape[-2:], mode="bilinear", align_corners=False)
        torch.testing.assert_close(m(x), ref)


def test_camvid_and_swap():
    assert arena.build("sgcpnet_camvid").param_counts()["inference"] == VARIANTS["sgcpnet"].params - 8 * 65
    swapped = arena.build("sgcpnet[upsampler=bilinear]").eval()
    assert swapped.param_counts()["inference"] == VARIANTS["sgcpnet"].params  # 8 nearest nodes became bilinear
    with torch.no_grad():
        assert swapped(torch.randn(1, 3, 64, 128)).shape == (1, 19, 64, 128)


def test_weighted_sum_matches_formula():
    cls = get("fusion", "weighted_sum")
    node = cls(FeatureSpec(8, 8), FeatureSpec(8, 8), FeatureSpec(8, 8)).eval()
    with torch.no_grad():
        node.weight.copy_(torch.tensor([2.0, -1.0, 0.5]))  # the negative weight is clamped to 0
    xs = [torch.randn(2, 8, 6, 6) for _ in range(3)]  # (pooled, lateral, top-down)
    w = torch.tensor([2.0, 0.0, 0.5]) / (2.5 + 1e-4)  # official order: (lateral, top-down, pooled)
    s = w[0] * xs[1] + w[1] * xs[2] + w[2] * xs[0]
    expected = node.conv(s * torch.sigmoid(s))
    torch.testing.assert_close(node(*xs), expected)
    assert sum(p.numel() for p in cls(FeatureSpec(64, 8), FeatureSpec(64, 8)).parameters()) == 4_866
    bn = node.conv[-1]
    assert (bn.eps, bn.momentum) == (1e-3, 0.01)
    with pytest.raises(BlockError):
        cls(FeatureSpec(8, 8), FeatureSpec(8, 16))
    with pytest.raises(BlockError):
        cls(FeatureSpec(8, 8), FeatureSpec(8, 8), norm="mean")


def test_maxpool_and_strided_conv():
    pool = get("downsampler", "maxpool")(FeatureSpec(64, 32))
    x = torch.randn(1, 64, 13, 20)
    y = pool(x)
    assert y.shape == (1, 64, 7, 10)  # ceil(h / 2): the size of a stride-2 conv's output
    torch.testing.assert_close(y, F.max_pool2d(x, 3, 2, 1))
    assert pool.out_specs == (FeatureSpec(64, 64),)
    proj = get("downsampler", "maxpool")(FeatureSpec(64, 32), factor=4, out=32)
    assert proj(x).shape == (1, 32, 4, 5) and proj.out_specs == (FeatureSpec(32, 128),)
    stem = get("downsampler", "strided_conv")(FeatureSpec(3, 1), factor=4, out=8, kernel=5)
    assert stem(torch.randn(1, 3, 32, 32)).shape == (1, 8, 8, 8)
    for bad in ({"factor": 1}, {"kernel": 2}, {"act": "gelu6"}):
        with pytest.raises(BlockError):
            get("downsampler", "strided_conv")(FeatureSpec(3, 1), **bad)
    with pytest.raises(BlockError):
        get("downsampler", "maxpool")(FeatureSpec(3, 1), factor=1)


# -- MACs ---------------------------------------------------------------------------------------

def test_primary_macs_1024x2048():
    from arena.measure.counters import count_primary

    meta = arena.build("sgcpnet").eval().to("meta")
    result = count_primary(meta, torch.empty(1, 3, 1024, 2048, device="meta"))
    assert rel(result["total"], 3.599e9) < 0.02
    assert result["wrapper"] == RESIZE_1024


@pytest.mark.slow
@pytest.mark.parametrize("size, official", [((512, 1024), 0.900e9), ((1024, 2048), 3.599e9)])
def test_fvcore_macs(net, size, official):
    analysis = fvcore_analysis(net, torch.randn(1, 3, *size))
    assert rel(analysis.total(), official) < 0.02
    if size == (1024, 2048):
        assert rel(analysis.total() - RESIZE_1024, 3.4392e9) < 0.02
        assert rel(analysis.by_operator()["conv"], 3.2749e9) < 0.001
