"""Every variant of the attention-era families trains 20 demo iterations (issue 26's acceptance).

Five family test files train one variant each with family-specific checks (SCTNet's training note,
RTFormer's aux weight, ...); this file runs every other variant, at a small crop, so each variant is
trained at least once in the slow tier.
"""
from __future__ import annotations

import json
import math

import pytest

from arena.networks import FAMILIES, VARIANTS
from tests.helpers import run_cli

ATTENTION_ERA = ("segformer", "topformer", "seaformer", "afformer", "sctnet", "pp_liteseg", "rtformer")
TRAINED_BY_FAMILY_TESTS = ("segformer_b0", "afformer_t", "sctnet_s", "pp_liteseg_t", "rtformer_slim")
OTHERS = [v for v, rec in VARIANTS.items() if rec.family in ATTENTION_ERA and v not in TRAINED_BY_FAMILY_TESTS]


def test_the_list_covers_every_attention_era_variant():
    assert set(ATTENTION_ERA) <= set(FAMILIES)
    every = {v for v, rec in VARIANTS.items() if rec.family in ATTENTION_ERA}
    assert set(OTHERS) | set(TRAINED_BY_FAMILY_TESTS) == every and len(every) >= 16


@pytest.mark.slow
@pytest.mark.parametrize("variant", OTHERS)
def test_demo_schedule_trains_twenty_iterations(variant, tmp_path):
    r = run_cli("train", variant, "--schedule", "demo", "--iters", 20, "--batch", 2, "--crop", "64x128",
                "--threads", 1, "--out", tmp_path)
    assert r.exit_code == 0, r.output
    (row,) = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert row["spec"] == variant and row["metrics"]["iterations"] == 20
    assert math.isfinite(row["metrics"]["final_loss"])
