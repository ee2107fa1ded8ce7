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


# -- verdicts -----------------------------------------------------------------------------------
from arena.stats import compare, holm, holm_verdicts, log_ratio, min_detectable, power, seeds_needed  # noqa: E402


def _t2_tail(t: float) -> float:
    """P(T > t) for Student's t with 2 degrees of freedom: 1/2 - t / (2 sqrt(2 + t^2)) (closed form)."""
    return 0.5 - t / (2 * math.sqrt(2 + t * t))


def test_compare_p_values_by_hand():
    """deltas 0.05, 0.04, 0.06: se = 0.01 / sqrt 3, t = 5 sqrt 3; df = 2 has a closed-form tail."""
    c = compare([0.50, 0.52, 0.48], [0.55, 0.56, 0.54], delta=0.1)
    se = 0.01 / math.sqrt(3)
    assert c["p"] == pytest.approx(2 * _t2_tail(0.05 / se), rel=1e-6)  # 0.01307
    # TOST against +-0.1: the upper one-sided test (mean < 0.1) is the larger p
    assert c["p_equivalence"] == pytest.approx(_t2_tail((0.1 - 0.05) / se), rel=1e-6)
    assert c["per_seed"] == pytest.approx([0.05, 0.04, 0.06]) and c["n"] == 3


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_verdicts_after_holm_and_two_seeds_describe_only():
    higher = compare([0.50, 0.52, 0.48], [0.55, 0.56, 0.54], delta=0.01)  # p 0.013 alone
    same = compare([0.50, 0.52, 0.48, 0.51], [0.501, 0.519, 0.481, 0.5105], delta=0.01)
    noisy = compare([0.50, 0.52, 0.48], [0.53, 0.50, 0.50], delta=0.01)
    two = compare([0.5, 0.6], [0.7, 0.85], delta=0.01)
    assert holm_verdicts([higher, same, noisy, two]) == 3  # the two-seed one is not counted
    assert higher["p_holm"] == pytest.approx(min(1, 3 * higher["p"]))
    assert higher["verdict"] == ("higher" if 3 * higher["p"] < 0.05 else "inconclusive")
    assert same["verdict"] == "equivalent within ±0.01"
    assert noisy["verdict"] == "inconclusive"
    assert two["verdict"] == "descriptive" and two["p_holm"] is None and two["per_seed"] == pytest.approx([0.2, 0.25])


def test_power_against_a_simulation():
    """The noncentral-t power agrees with 20,000 simulated paired t-tests (scipy.stats.ttest_1samp)."""
    import numpy as np
    from scipy import stats

    rng = np.random.default_rng(0)
    n, sd, effect = 5, 1.0, 1.2
    draws = rng.normal(effect, sd, size=(20_000, n))
    simulated = float(np.mean(stats.ttest_1samp(draws, 0.0, axis=1).pvalue < 0.05))
    assert power(effect, sd, n) == pytest.approx(simulated, abs=0.01)


def test_seeds_needed_and_the_smallest_detectable_difference():
    # effect size 1 (delta = sd): the textbook paired t-test needs 10 pairs for 80 % power at 5 %
    assert seeds_needed(1.0, 1.0) == 10
    assert power(1.0, 1.0, 9) < 0.8 <= power(1.0, 1.0, 10)
    # many pairs: the normal approximation (z_0.975 + z_0.8) sd / sqrt(n) = 2.8016 sd / sqrt(n)
    assert min_detectable(1.0, 400) == pytest.approx(2.8016 / 20, rel=0.005)
    assert min_detectable(2.0, 3) > min_detectable(1.0, 3) > min_detectable(1.0, 10)
    assert math.isnan(min_detectable(float("nan"), 3)) and seeds_needed(float("nan"), 1.0) is None


def test_latency_as_a_ratio_with_its_interval():
    base = [10.0, 11.0, 10.5, 10.2]
    variant = [15.0, 16.5, 15.75, 15.3]  # exactly 1.5x every round
    r = log_ratio(base, variant)
    assert r["ratio"] == pytest.approx(1.5) and r["ratio_ci"] == pytest.approx([1.5, 1.5])
    # no spread: no test at all (never p = 0 by convention), its own verdict after Holm
    assert math.isnan(r["p"]) and math.isnan(r["p_equivalence"]) and r["degenerate"]
    holm_verdicts([r])
    assert r["verdict"] == "degenerate" and r["p_holm"] is None


def test_delta_must_be_positive():
    for bad in (0.0, -1.0):
        with pytest.raises(ArenaError, match="--delta must be positive"):
            compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.5], delta=bad)


def test_nan_inputs_are_refused_in_one_line_never_a_p_value():
    """Today: an AttributeError from deep inside statistics (or a p-value made from NaN)."""
    with pytest.raises(ArenaError) as e:
        compare([0.5, float("nan"), 0.52], [0.55, 0.56, 0.54], delta=1.0)
    assert "\n" not in str(e.value) and "pair(s) 1" in str(e.value) and "NaN" in str(e.value)


def test_holm_leaves_an_undefined_p_out_of_the_family():
    """Today min(1, 3 * NaN) poisoned the running maximum: every other p became 1. By hand: m = 2,
    0.01 x 2 = 0.02, 0.02 x 1 = 0.02 -> 0.02, 0.02; the NaN stays NaN."""
    adjusted = holm([float("nan"), 0.01, 0.02])
    assert math.isnan(adjusted[0]) and adjusted[1:] == pytest.approx([0.02, 0.02])


def test_seeds_needed_is_at_least_three_and_large_values_are_numbers():
    """Today: 2 for a tiny spread (a count the verdict rule never judges) and None beyond 10,000."""
    assert seeds_needed(0.01, 1.0) == 3
    # sd 100, delta 1: normal approximation (2.8016 x 100)^2 = 78,490; the t-test needs a pair or two more
    n = seeds_needed(100.0, 1.0)
    assert isinstance(n, int) and 78_480 <= n <= 78_500
    assert power(1.0, 100.0, n) >= 0.8 > power(1.0, 100.0, n - 1)
    assert seeds_needed(0.0, 1.0) is None  # no spread: nothing to extrapolate from
