"""GAIN (arXiv:2601.01167): gain18 and gain_df2 (tests/blocks/test_gain_blocks.py: GAI and the other blocks).

Golden numbers come from specs/gain.md (measured on the official code hustvl/simpleseg), never
from our output:
- §2.3: one GAI at C=128 has 54,737 parameters; §6.2: the CC-B variant (query from HR only) 46,545.
- §2.4: MACs per pixel = 2C*Cv + C*Cv + (Cv+C)*C + T*[2*Cv*Cqk + Cv^2 + (H+W)*(Cqk+Cv)] for the
  convs and attention matmuls; fvcore per GAI at a 128x256 guide = 3.783 G.
- §6.2 / §7.3: gain18 inference parameters (arena/families/gain.py) (12,255,899 with the aux heads, §7.2 item 7),
  fvcore 157.346 G at 1024x2048 and 38.884 G at 512x1024; the PPM context variant 11,840,629.
- §6.2: gain_df2 (GAP) parameters (arena/families/gain.py), 89.83 G at 1024x2048 and 22.00 G at 512x1024.
"""
from __future__ import annotations

import pytest
import torch

import arena
from arena.networks import VARIANTS
from tests.helpers import fvcore_total, primary_macs, rel

AUX_R18 = 12_255_899 - VARIANTS["gain18"].params  # two FCN aux heads, 128 -> 128 -> 19



# -- networks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, inference, total", [
    ("gain18", VARIANTS["gain18"].params, 12_255_899),
    ("gain_df2", VARIANTS["gain_df2"].params, VARIANTS["gain_df2"].params + AUX_R18),  # same two aux heads
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
    assert rel(primary_macs(spec, h, w), official) < 0.02


def test_forward_and_aux_outputs():
    model = arena.build("gain18[classes=11]").eval()
    with torch.no_grad():
        y = model(torch.randn(1, 3, 64, 96))
    assert y.shape == (1, 11, 64, 96) and torch.isfinite(y).all()


@pytest.mark.slow
@pytest.mark.parametrize("spec, official", [("gain18", 38_884e6), ("gain_df2", 22_004e6)])
def test_fvcore_macs_512x1024(spec, official):
    assert rel(fvcore_total(spec, 512, 1024), official) < 0.02
