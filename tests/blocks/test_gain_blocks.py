"""GAIN's blocks (arXiv:2601.01167): the GAI upsampler, the deep and DF stems, the GAP context and
DFNetV2 (tests/nets/test_gain.py: the networks).

Golden numbers come from specs/gain.md (measured on the official code hustvl/simpleseg), never
from our output:
- §2.3: one GAI at C=128 has 54,737 parameters; §6.2: the CC-B variant (query from HR only) 46,545.
- §2.4: MACs per pixel = 2C*Cv + C*Cv + (Cv+C)*C + T*[2*Cv*Cqk + Cv^2 + (H+W)*(Cqk+Cv)] for the
  convs and attention matmuls; fvcore per GAI at a 128x256 guide = 3.783 G.
- §6.2: the GAP context row against the no-context row of gain18.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from blocks.registry import BlockError, FeatureSpec, get
from blocks.upsamplers.gai import criss_cross
from tests.helpers import fvcore_analysis, rel
from arena.networks import VARIANTS

GAI = get("upsampler", "gai")


def _gai_macs_per_px(h: int, w: int, c: int = 128, iters: int = 2) -> int:
    cv, cqk = c // 2, c // 16
    return 2 * c * cv + c * cv + (cv + c) * c + iters * (2 * cv * cqk + cv * cv + (h + w) * (cqk + cv))


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


@pytest.mark.slow
def test_gai_fvcore_macs_64x128():
    """Spec §2.4: fvcore 0.719 G per GAI on a 64x128 guide (stride 8 of 512x1024); conv + bmm MACs
    equal the per-pixel formula exactly (the rest is BN and the bilinear resize)."""
    m = GAI(FeatureSpec(128, 16), FeatureSpec(128, 8))
    h, w = 64, 128
    flops = fvcore_analysis(m, (torch.randn(1, 128, h // 2, w // 2), torch.randn(1, 128, h, w)))
    by_op, total = flops.by_operator(), flops.total()
    assert by_op["conv"] + by_op["bmm"] == _gai_macs_per_px(h, w) * h * w
    assert rel(total, 0.719e9) < 0.005


def test_gai_primary_macs_128x256():
    """The primary counter (dispatch level, meta tensors) sees the bmm attention: spec 3.783 G."""
    from torch.utils.flop_counter import FlopCounterMode

    m = GAI(FeatureSpec(128, 16), FeatureSpec(128, 8)).eval().to("meta")
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        m(torch.empty(1, 128, 64, 128, device="meta"), torch.empty(1, 128, 128, 256, device="meta"))
    convs_and_matmuls = counter.get_total_flops() // 2  # plain FlopCounterMode: no BN / resize formulas
    assert convs_and_matmuls == _gai_macs_per_px(128, 256) * 128 * 256  # 3.758 G; + BN and resize = 3.783
    assert rel(convs_and_matmuls, 3.783e9) < 0.01


@pytest.mark.slow
def test_gai_fvcore_macs_128x256():
    m = GAI(FeatureSpec(128, 16), FeatureSpec(128, 8))
    flops = fvcore_analysis(m, (torch.randn(1, 128, 64, 128), torch.randn(1, 128, 128, 256)))
    assert rel(flops.total(), 3.783e9) < 0.005


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
    assert sum(p.numel() for p in gap.parameters()) == (VARIANTS["gain18"].params - 11_643_253) - (128 * 128 * 9 + 256)


def test_dfnetv2_strides():
    body = get("backbone", "dfnetv2")(FeatureSpec(64, 4))
    assert body.out_specs == (FeatureSpec(128, 8), FeatureSpec(256, 16), FeatureSpec(512, 32))
