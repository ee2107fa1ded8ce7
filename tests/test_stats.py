"""The paired t-interval against a hand computation and against scipy; inconclusive when it crosses zero."""
from __future__ import annotations

import math

import pytest

from arena.errors import ArenaError
from arena.stats import paired_interval


def test_paired_interval_by_hand():
    base, variant = [0.50, 0.52, 0.48], [0.55, 0.56, 0.54]
    r = paired_interval(base, variant)
    # deltas 0.05, 0.04, 0.06: mean 0.05, sd 0.01, se 0.01 / sqrt(3); t(0.975, df=2) = 4.302652729...
    assert r["deltas"] == pytest.approx([0.05, 0.04, 0.06])
    assert r["mean"] == pytest.approx(0.05) and r["sd"] == pytest.approx(0.01)
    assert r["t"] == pytest.approx(4.302652729911275)
    half = 4.302652729911275 * 0.01 / math.sqrt(3)
    assert (r["low"], r["high"]) == (pytest.approx(0.05 - half), pytest.approx(0.05 + half))
    assert r["verdict"] == "higher"


def test_agrees_with_scipy_ttest_rel():
    from scipy import stats

    base, variant = [0.61, 0.58, 0.63, 0.60, 0.59], [0.62, 0.60, 0.61, 0.64, 0.60]
    r = paired_interval(base, variant)
    ci = stats.ttest_rel(variant, base).confidence_interval(0.95)
    assert (r["low"], r["high"]) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_an_interval_that_crosses_zero_is_inconclusive():
    r = paired_interval([0.50, 0.52, 0.48], [0.53, 0.50, 0.50])  # deltas +0.03, -0.02, +0.02
    assert r["low"] < 0 < r["high"] and r["verdict"] == "inconclusive"
    assert paired_interval([1.0, 2.0], [0.5, 1.4])["verdict"] in ("lower", "inconclusive")


def test_one_seed_has_no_interval():
    with pytest.raises(ArenaError, match="at least 2 seeds.*df = n - 1 = 0.*better 3"):
        paired_interval([0.5], [0.6])
