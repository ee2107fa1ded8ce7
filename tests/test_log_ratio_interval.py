"""The latency ratio's paired interval (arena.stats.log_ratio_interval) against a hand computation and scipy."""
from __future__ import annotations

import math

import pytest

from arena.errors import ArenaError
from arena.stats import log_ratio_interval


def test_log_ratio_interval_by_hand():
    reference = [1.0, 2.0, 4.0]
    variant = [math.exp(0.1), 2 * math.exp(0.2), 4 * math.exp(0.3)]
    r = log_ratio_interval(reference, variant)
    # log-ratios 0.1, 0.2, 0.3: mean 0.2, sd 0.1, se 0.1 / sqrt(3); t(0.975, df=2) = 4.30265 (t table)
    half = 4.302652729749464 * 0.1 / math.sqrt(3)
    assert r["n"] == 3 and r["mean_log"] == pytest.approx(0.2) and r["sd_log"] == pytest.approx(0.1)
    assert r["ratio"] == pytest.approx(math.exp(0.2))  # the geometric mean of the per-round ratios
    assert r["low"] == pytest.approx(math.exp(0.2 - half)) and r["high"] == pytest.approx(math.exp(0.2 + half))
    assert r["low"] == pytest.approx(0.95274, abs=1e-5) and r["high"] == pytest.approx(1.56583, abs=1e-5)
    assert r["verdict"] == "inconclusive"  # the interval holds 1


def test_agrees_with_scipy_on_the_logs_and_gives_a_verdict():
    from scipy import stats

    reference = [10.0, 11.0, 10.5, 9.8, 10.2]
    variant = [15.1, 16.4, 16.0, 15.2, 15.5]
    r = log_ratio_interval(reference, variant, confidence=0.9)
    ci = stats.ttest_rel([math.log(v) for v in variant], [math.log(b) for b in reference]).confidence_interval(0.9)
    assert (r["low"], r["high"]) == (pytest.approx(math.exp(ci.low)), pytest.approx(math.exp(ci.high)))
    assert r["verdict"] == "higher" and r["confidence"] == 0.9
    assert log_ratio_interval(variant, reference)["verdict"] == "lower"


def test_a_constant_ratio_has_a_zero_width_interval():
    r = log_ratio_interval([2.0, 4.0, 8.0], [3.0, 6.0, 12.0])
    assert r["ratio"] == pytest.approx(1.5) and r["low"] == r["high"] == pytest.approx(1.5)


def test_bad_samples_are_refused():
    with pytest.raises(ArenaError, match="at least 2 rounds"):
        log_ratio_interval([1.0], [2.0])
    with pytest.raises(ValueError, match="positive"):
        log_ratio_interval([1.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="differ in length"):
        log_ratio_interval([1.0, 2.0], [1.0])
