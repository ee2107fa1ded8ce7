"""GAIN (arXiv:2601.01167): the GAI upsampler, its stems / context / DFNetV2 blocks, gain18 and gain_df2.

Golden numbers come from specs/gain.md (measured on the official code hustvl/simpleseg), never
from our output:
- §2.3: one GAI at C=128 has 54,737 parameters; §6.2: the CC-B variant (query from HR only) 46,545.
- §2.4: MACs per pixel = 2C*Cv + C*Cv + (Cv+C)*C + T*[2*Cv*Cqk + Cv^2 + (H+W)*(Cqk+Cv)] for the
  convs and attention matmuls; fvcore per GAI at a 128x256 guide = 3.783 G.
- §6.2 / §7.3: gain18 11,955,317 inference parameters (12,255,899 with the aux heads, §7.2 item 7),
  fvcore 157.346 G at 1024x2048 and 38.884 G at 512x1024; the PPM context variant 11,840,629.
- §6.2: gain_df2 (GAP) 18,063,061 parameters, 89.83 G at 1024x2048 and 22.00 G at 512x1024.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tests.fvcore_count import fvcore_analysis, fvcore_total
import arena
from blocks.registry import BlockError, FeatureSpec, get
from blocks.upsamplers.gai import criss_cross

GAI = get("upsampler", "gai")
AUX_R18 = 12_255_899 - 11_955_317  # two FCN aux heads, 128 -> 128 -> 19


def _rel(a: float, b: float) -> float:
    return abs(a - b) / b


def _gai_macs_per_px(h: int, w: int, c: int = 128, iters: int = 2) -> int:
    cv, cqk = c // 2, c // 16
    return 2 * c * cv + c * cv + (cv + c) * c + iters * (2 * cv * cqk + cv * cv + (h + w) * (cqk + cv))


def _primary_macs(spec: str, h: int, w: int) -> int:
    from arena.measure.counters import count_primary

    model = arena.build(spec).eval().to("meta")
    return count_primary(model, torch.empty(1, 3, h, w, device="meta"))["total"]


# -- GAI ----------------------------------------------------------------------------------------

def test_gai_params():
    assert sum(p.numel() for p in GAI(FeatureSpec(128, 16), FeatureSpec(128, 8)).parameters()) == 54_737
    cc_b = GAI(FeatureSpec(128, 32), FeatureSpec(128, 8), query="guide")
    assert sum(p.numel() for p in cc_b.parameters()) == 46_545


def _naive_criss_cross(q, k, v):
    """Per-pixel loop over spec §2.2: column without self, row with self, one joint softmax."""
    out = torch.zeros_like(v)
    _, _, h, w = q.shape
    for b in range(q.shape[0]):
        for i in range(h):
            for j in range(w):
                cand = [(a, j) for a in range(h) if a != i] + [(i, c) for c in range(w)]
                e = torch.stack([(q[b, :, i, j] * k[b, :, a, c]).sum() for a, c in cand])
                att = torch.softmax(e, 0)
                out[b, :, i, j] = sum(att[n] * v[b, :, a, c] for n, (a, c) in enumerate(cand))
    return out


def test_criss_cross_matches_per_pixel_definition():
    q, k, v = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5), torch.randn(2, 6, 4, 5)
    torch.testing.assert_close(criss_cross(q, k, v), _naive_criss_cross(q, k, v), atol=1e-5, rtol=1e-5)


def test_gai_equals_bilinear_path_at_init():
    m = GAI(FeatureSpec(32, 32), FeatureSpec(32, 8)).eval()
    assert m.gamma.item() == 0.0
    x, g = torch.randn(2, 32, 5, 7), torch.randn(2, 32, 19, 27)  # odd sizes, non-integer ratio
    up = F.interpolate(x, size=g.shape[-2:], mode="bilinear", align_corners=False)
    expected = m.bottleneck(torch.cat([m.value_init(up), up], dim=1))
    with torch.no_grad():
        torch.testing.assert_close(m(x, g), expected)
        m.gamma.fill_(0.5)  # the attention path is live once gamma moves
        assert (m(x, g) - expected).abs().max() > 1e-4


def test_gai_projections_and_out():
    m = GAI(FeatureSpec(96, 32), FeatureSpec(24, 8), c=64, out=40)
    assert m.out_specs == (FeatureSpec(40, 8),)
    y = m(torch.randn(1, 96, 4, 4), torch.randn(1, 24, 16, 16))
    assert y.shape == (1, 40, 16, 16)
    with pytest.raises(BlockError, match="attention"):
        GAI(FeatureSpec(32, 32), FeatureSpec(32, 8), attention="sparse")


def test_gai_traces():
    m = GAI(FeatureSpec(32, 32), FeatureSpec(16, 8)).eval()
    x, g = torch.randn(1, 32, 4, 4), torch.randn(1, 16, 16, 16)
    torch.fx.symbolic_trace(m)
    exported = torch.export.export(m, (x, g))
    torch.testing.assert_close(exported.module()(x, g), m(x, g))


def test_gai_fvcore_macs_64x128():
    """Spec §2.4: fvcore 0.719 G per GAI on a 64x128 guide (stride 8 of 512x1024); conv + bmm MACs
    equal the per-pixel formula exactly (the rest is BN and the bilinear resize)."""
    m = GAI(FeatureSpec(128, 16), FeatureSpec(128, 8))
    h, w = 64, 128
    flops = fvcore_analysis(m, (torch.randn(1, 128, h // 2, w // 2), torch.randn(1, 128, h, w)))
    by_op, total = flops.by_operator(), flops.total()
    assert by_op["conv"] + by_op["bmm"] == _gai_macs_per_px(h, w) * h * w
    assert _rel(total, 0.719e9) < 0.005


def test_gai_primary_macs_128x256():
    """The primary counter (dispatch level, meta tensors) sees the bmm attention: spec 3.783 G."""
    from torch.utils.flop_counter import FlopCounterMode

    m = GAI(FeatureSpec(128, 16), FeatureSpec(128, 8)).eval().to("meta")
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        m(torch.empty(1, 128, 64, 128, device="meta"), torch.empty(1, 128, 128, 256, device="meta"))
    convs_and_matmuls = counter.get_total_flops() // 2  # plain FlopCounterMode: no BN / resize formulas
    assert convs_and_matmuls == _gai_macs_per_px(128, 256) * 128 * 256  # 3.758 G; + BN and resize = 3.783
    assert _rel(convs_and_matmuls, 3.783e9) < 0.01


@pytest.mark.slow
def test_gai_fvcore_macs_128x256():
    m = GAI(FeatureSpec(128, 16), FeatureSpec(128, 8))
    flops = fvcore_analysis(m, (torch.randn(1, 128, 64, 128), torch.randn(1, 128, 128, 256)))
    assert _rel(flops.total(), 3.783e9) < 0.005


# -- the other GAIN blocks ----------------------------------------------------------------------

def test_deep_stem_and_df_stem():
    stem = get("downsampler", "deep_stem")(FeatureSpec(3, 1))
    assert stem.out_specs == (FeatureSpec(128, 4),)
    assert stem(torch.randn(1, 3, 64, 64)).shape == (1, 128, 16, 16)
    assert get("downsampler", "deep_stem")(FeatureSpec(3, 1), factor=2).out_specs == (FeatureSpec(128, 2),)
    df = get("downsampler", "df_stem")(FeatureSpec(3, 1))
    assert df(torch.randn(1, 3, 64, 64)).shape == (1, 64, 16, 16)
    with pytest.raises(BlockError, match="factor"):
        get("downsampler", "deep_stem")(FeatureSpec(3, 1), factor=8)


def test_gap_context_params():
    # 1x1 conv-BN + 3x3 conv-BN at 128: spec §6.2 GAP row minus the no-context / no-3x3 row minus one 3x3 CBR
    gap = get("pyramid", "gap_context")(FeatureSpec(128, 32))
    assert sum(p.numel() for p in gap.parameters()) == (11_955_317 - 11_643_253) - (128 * 128 * 9 + 256)


def test_dfnetv2_strides():
    body = get("backbone", "dfnetv2")(FeatureSpec(64, 4))
    assert body.out_specs == (FeatureSpec(128, 8), FeatureSpec(256, 16), FeatureSpec(512, 32))


# -- networks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, inference, total", [
    ("gain18", 11_955_317, 12_255_899),
    ("gain_df2", 18_063_061, 18_063_061 + AUX_R18),  # same two aux heads
    ("gain18[pyramid=ppm]", 11_840_629, 11_840_629 + AUX_R18),  # §6.2 "CC + PPM instead of GAP"
])
def test_param_counts(spec, inference, total):
    counts = arena.build(spec).param_counts()
    assert counts["inference"] == inference
    assert counts["total"] == total


@pytest.mark.parametrize("spec, h, w, official", [
    ("gain18", 512, 1024, 38.884e9),
    ("gain18", 1024, 2048, 157.346e9),
    ("gain_df2", 512, 1024, 22.004e9),
    ("gain_df2", 1024, 2048, 89.829e9),
])
def test_primary_macs(spec, h, w, official):
    assert _rel(_primary_macs(spec, h, w), official) < 0.02


def test_forward_and_aux_outputs():
    model = arena.build("gain18[classes=11]").eval()
    with torch.no_grad():
        y = model(torch.randn(1, 3, 64, 96))
    assert y.shape == (1, 11, 64, 96) and torch.isfinite(y).all()


@pytest.mark.slow
@pytest.mark.parametrize("spec, official", [("gain18", 38_884e6), ("gain_df2", 22_004e6)])
def test_fvcore_macs_512x1024(spec, official):
    assert _rel(fvcore_total(spec, 512, 1024), official) < 0.02
