"""Paired differences: the mean, a paired t-interval (df = n - 1, scipy.stats), and the verdicts a
study reports (Holm across its comparisons, TOST equivalence within ±δ, the power of the seeds run).

Why paired: a base network and its swap trained at one seed share their initialisation (where the
shapes allow) and their data order, so the per-seed difference removes the seed-to-seed variance
both share. An interval that contains zero is "inconclusive", never reported as a gain.
"""
from __future__ import annotations

import math
import statistics
from typing import Any

from arena.errors import ArenaError


def paired_interval(base: list[float], variant: list[float], confidence: float = 0.95) -> dict[str, Any]:
    """variant - base per pair: mean, sd, standard error, the t-interval and the verdict."""
    from scipy import stats

    if len(base) != len(variant):
        raise ValueError(f"paired samples differ in length: {len(base)} and {len(variant)}")
    n = len(base)
    if n < 2:
        raise ArenaError(f"a paired interval needs at least 2 seeds (df = n - 1 = {n - 1}), better 3: with one "
                         "pair there is no spread to estimate; pass --seeds 3")
    deltas = [v - b for b, v in zip(base, variant)]
    mean = statistics.fmean(deltas)
    sd = statistics.stdev(deltas)
    if sd <= 1e-12 * max(1.0, abs(mean)):  # every pair differs by the same amount (to rounding)
        sd = 0.0
    se = sd / math.sqrt(n)
    t = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1))
    low, high = mean - t * se, mean + t * se
    if sd == 0:
        low = high = mean
    verdict = "inconclusive" if low <= 0 <= high else ("higher" if low > 0 else "lower")
    return {"n": n, "mean": mean, "sd": sd, "se": se, "t": t, "confidence": confidence, "low": low,
            "high": high, "deltas": deltas, "verdict": verdict}


# -- verdicts: a comparison, equivalence, Holm across a study, power ------------------------------
ALPHA = 0.05  # every verdict's level (two-sided tests; TOST at the same level)
POWER = 0.80  # the power the smallest detectable difference and the seeds needed refer to
VERDICT_MIN_PAIRS = 3  # two pairs describe (mean and both values); three or more give a verdict


def compare(base: list[float], variant: list[float], delta: float, confidence: float = 0.95) -> dict[str, Any]:
    """variant - base per pair, everything a verdict needs (before Holm: `holm_verdicts` decides).

    `p`: two-sided paired t-test of a zero mean difference (scipy.stats.ttest_1samp on the deltas);
    `p_equivalence`: the two-one-sided test (TOST) against +-`delta`, the larger of the two one-sided
    p-values; `min_detectable`: the smallest true difference this many pairs detect with 80 % power at
    the observed spread; `seeds_needed`: the pairs needed to detect +-`delta` so. NaN where undefined.
    """
    from scipy import stats

    if delta <= 0:
        raise ArenaError(f"--delta must be positive (the equivalence margin), got {delta:g}")
    r = paired_interval(base, variant, confidence)
    deltas, n, mean, sd = r["deltas"], r["n"], r["mean"], r["sd"]
    if sd <= 1e-12 * max(1.0, abs(mean)):  # every pair differs by the same amount (to rounding): nothing is uncertain
        sd = 0.0
        p = 0.0 if abs(mean) > 1e-12 else 1.0
        p_eq = 0.0 if abs(mean) < delta else 1.0
    else:
        p = float(stats.ttest_1samp(deltas, 0.0).pvalue)
        p_eq = max(float(stats.ttest_1samp(deltas, -delta, alternative="greater").pvalue),
                   float(stats.ttest_1samp(deltas, delta, alternative="less").pvalue))
    ci = [r["low"], r["high"]] if sd else [mean, mean]
    return {"n": n, "mean": mean, "sd": sd, "ci": ci, "p": p, "p_equivalence": p_eq,
            "delta": delta, "per_seed": deltas, "min_detectable": min_detectable(sd, n),
            "seeds_needed": seeds_needed(sd, delta)}


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: sorted p times (m - rank), made monotone, capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def holm_verdicts(comparisons: list[dict[str, Any]]) -> int:
    """Adjust, across the comparisons of one metric, `p` and `p_equivalence` by Holm, and set each
    `verdict`: higher / lower (p_holm < ALPHA), `equivalent within ±delta` (the TOST's Holm p <
    ALPHA), else inconclusive; `descriptive` below VERDICT_MIN_PAIRS pairs (no verdict, not counted).
    Returns the number of comparisons adjusted over."""
    judged = [c for c in comparisons if c["n"] >= VERDICT_MIN_PAIRS]
    for c in comparisons:
        if c["n"] < VERDICT_MIN_PAIRS:
            c.update(p_holm=None, p_equivalence_holm=None, verdict="descriptive")
    for c, p, q in zip(judged, holm([c["p"] for c in judged]), holm([c["p_equivalence"] for c in judged])):
        c.update(p_holm=p, p_equivalence_holm=q, comparisons=len(judged))
        if p < ALPHA:
            c["verdict"] = "higher" if c["mean"] > 0 else "lower"
        elif q < ALPHA:
            c["verdict"] = f"equivalent within ±{c['delta']:g}"
        else:
            c["verdict"] = "inconclusive"
    return len(judged)


def power(effect: float, sd: float, n: int, alpha: float = ALPHA) -> float:
    """Power of the two-sided paired t-test with n pairs to detect a true mean difference `effect`
    (noncentral t, scipy.stats.nct)."""
    from scipy import stats

    if n < 2:
        return math.nan
    df = n - 1
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    if sd == 0:
        return 1.0 if effect != 0 else alpha
    nc = abs(effect) * math.sqrt(n) / sd
    upper, lower = float(stats.nct.sf(crit, df, nc)), float(stats.nct.cdf(-crit, df, nc))
    # far in the tails scipy's noncentral t can return NaN for a probability that is ~0 (or ~1)
    upper = upper if math.isfinite(upper) else 1.0
    lower = lower if math.isfinite(lower) else 0.0
    return min(1.0, upper + lower)


def min_detectable(sd: float, n: int, target: float = POWER, alpha: float = ALPHA) -> float:
    """The smallest true difference detected with `target` power by n pairs at spread `sd`."""
    from scipy.optimize import brentq

    if n < 2 or not math.isfinite(sd):
        return math.nan
    if sd == 0:
        return 0.0
    high = sd
    while power(high, sd, n, alpha) < target:
        high *= 2
    return float(brentq(lambda e: power(e, sd, n, alpha) - target, 0.0, high, xtol=sd * 1e-6))


def seeds_needed(sd: float, delta: float, target: float = POWER, alpha: float = ALPHA,
                 most: int = 10_000) -> int | None:
    """The fewest pairs (>= 2) that detect a true difference of `delta` with `target` power at
    spread `sd` (estimated from the pairs run); None when sd is unknown or `most` would not do."""
    if not math.isfinite(sd):
        return None
    for n in range(2, most + 1):
        if power(delta, sd, n, alpha) >= target:
            return n
    return None


def log_ratio(base_ms: list[float], variant_ms: list[float], delta: float = 0.03) -> dict[str, Any]:
    """A latency comparison paired by round: `compare` on log times (the per-round log-ratio), with
    the mean and interval reported as ratios (`ratio`, `ratio_ci`) and equivalence within +-delta
    (3 %: ratios within [1/1.03, 1.03])."""
    logs_b = [math.log(t) for t in base_ms]
    logs_v = [math.log(t) for t in variant_ms]
    c = compare(logs_b, logs_v, math.log1p(delta))
    c.update(ratio=math.exp(c["mean"]), ratio_ci=[math.exp(c["ci"][0]), math.exp(c["ci"][1])], delta_ratio=delta)
    return c


def log_ratio_interval(reference: list[float], variant: list[float], confidence: float = 0.95) -> dict[str, Any]:
    """variant / reference per pair (a latency round), as a t-interval on the mean log-ratio carried
    back to a ratio (`paired_interval` on the logs): a time ratio is multiplicative, and the log
    makes x2 and x0.5 symmetric. `ratio` is the geometric mean of the per-pair ratios."""
    if len(reference) != len(variant):
        raise ValueError(f"paired samples differ in length: {len(reference)} and {len(variant)}")
    if any(v <= 0 for v in [*reference, *variant]):
        raise ValueError("a log-ratio needs positive values (times in ms)")
    if len(reference) < 2:
        raise ArenaError(f"a paired interval needs at least 2 rounds (df = n - 1 = {len(reference) - 1}): "
                         "pass --iters 2 or more")
    r = paired_interval([math.log(t) for t in reference], [math.log(t) for t in variant], confidence)
    return {"n": r["n"], "mean_log": r["mean"], "sd_log": r["sd"], "confidence": confidence,
            "ratio": math.exp(r["mean"]), "low": math.exp(r["low"]), "high": math.exp(r["high"]),
            "verdict": r["verdict"]}


def separated(a: list[float], b: list[float], paired: bool = False) -> bool:
    """Whether two samples differ at ALPHA: a paired t-test when they are pairs (same seeds), else
    Welch's t-test; never with fewer than 2 values a side (no spread, no claim)."""
    from scipy import stats

    if len(a) < 2 or len(b) < 2 or (paired and len(a) != len(b)):
        return False
    if paired:
        d = [x - y for x, y in zip(a, b)]
        if statistics.stdev(d) <= 1e-12 * max(1.0, abs(statistics.fmean(d))):
            return abs(statistics.fmean(d)) > 1e-12
        return float(stats.ttest_rel(a, b).pvalue) < ALPHA
    if statistics.stdev(a) == 0 and statistics.stdev(b) == 0:
        return statistics.fmean(a) != statistics.fmean(b)
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue) < ALPHA


def separated_seeds(a, b) -> bool:
    """`separated` on two {seed: value} results: paired when both hold the same seeds, else Welch's;
    False when either is missing."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    common = sorted(set(a) & set(b))
    if len(common) == len(a) == len(b):
        return separated([a[s] for s in common], [b[s] for s in common], paired=True)
    return separated(list(a.values()), list(b.values()))
