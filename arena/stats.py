"""Paired differences: the mean, a paired t-interval (df = n - 1, scipy.stats), and the verdicts a
study reports (Holm across its comparisons, TOST equivalence within ±δ, the power of the seeds run).

Why paired: a base network and its swap trained at one seed share their initialisation (where the
shapes allow) and their data order, so the per-seed difference removes the seed-to-seed variance
both share. An interval that contains zero is "inconclusive", never reported as a gain. Two edges
are outcomes of their own, never tested: "degenerate" (every pair gave the same difference: no
spread) and "both at chance" (`at_chance`). NaN inputs are refused, never turned into p-values.
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
    _finite(base, variant)
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
        verdict = DEGENERATE  # no spread: nothing to test (every pair gave the same difference)
    else:
        verdict = "inconclusive" if low <= 0 <= high else ("higher" if low > 0 else "lower")
    return {"n": n, "mean": mean, "sd": sd, "se": se, "t": t, "confidence": confidence, "low": low,
            "high": high, "deltas": deltas, "verdict": verdict}


# -- verdicts: a comparison, equivalence, Holm across a study, power ------------------------------
ALPHA = 0.05  # every verdict's level (two-sided tests; TOST at the same level)
POWER = 0.80  # the power the smallest detectable difference and the seeds needed refer to
VERDICT_MIN_PAIRS = 3  # two pairs describe (mean and both values); three or more give a verdict
DEGENERATE = "degenerate"  # every pair gave the same difference: no spread, so no test (zero or not)
CHANCE = "both at chance"  # both sides predict (at most) one class: their difference says nothing


def _finite(*samples) -> None:
    """NaN or infinite values are refused, never turned into a p-value."""
    bad = [i for values in samples for i, v in enumerate(values) if not math.isfinite(v)]
    if bad:
        raise ArenaError(f"paired values must be finite numbers: pair(s) {', '.join(map(str, sorted(set(bad))))} "
                         "hold NaN or infinity (skip those rows, or re-measure them)")


def degenerate_text(c: dict[str, Any], unit: str = "") -> str:
    """The verdict text of a comparison with no spread, naming the one difference every pair gave."""
    return f"degenerate: every seed gave Δ = {c['mean']:+.2f}{unit}"


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
    degenerate = sd == 0  # paired_interval: every pair differs by the same amount (to rounding)
    if degenerate:
        p = p_eq = math.nan
    else:
        p = float(stats.ttest_1samp(deltas, 0.0).pvalue)
        p_eq = max(float(stats.ttest_1samp(deltas, -delta, alternative="greater").pvalue),
                   float(stats.ttest_1samp(deltas, delta, alternative="less").pvalue))
    ci = [r["low"], r["high"]] if sd else [mean, mean]
    return {"n": n, "mean": mean, "sd": sd, "ci": ci, "p": p, "p_equivalence": p_eq,
            "delta": delta, "per_seed": deltas, "degenerate": degenerate,
            "min_detectable": math.nan if degenerate else min_detectable(sd, n),
            "seeds_needed": None if degenerate else seeds_needed(sd, delta)}


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment: sorted p times (m - rank), made monotone, capped at 1. A NaN
    (an undefined p) stays NaN and is not counted in m: it would otherwise turn the others into 1."""
    kept = [i for i, p in enumerate(p_values) if p is not None and math.isfinite(p)]
    m = len(kept)
    order = sorted(kept, key=lambda i: p_values[i])
    adjusted, running = [math.nan] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def holm_verdicts(comparisons: list[dict[str, Any]]) -> int:
    """Adjust, across the comparisons of one metric, `p` and `p_equivalence` by Holm, and set each
    `verdict`: higher / lower (p_holm < ALPHA), `equivalent within ±delta` (the TOST's Holm p <
    ALPHA), else inconclusive; `descriptive` below VERDICT_MIN_PAIRS pairs, DEGENERATE with zero
    spread, CHANCE when the comparison is marked `chance` (both sides at chance level): none of these
    three is tested or counted. Returns the number of comparisons adjusted over."""
    judged = [c for c in comparisons if c["n"] >= VERDICT_MIN_PAIRS and not c.get("degenerate") and not c.get("chance")]
    tested = {id(c) for c in judged}
    for c in comparisons:
        if id(c) not in tested:
            verdict = (CHANCE if c.get("chance") else DEGENERATE if c.get("degenerate") else "descriptive")
            c.update(p_holm=None, p_equivalence_holm=None, verdict=verdict)
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


def seeds_needed(sd: float, delta: float, target: float = POWER, alpha: float = ALPHA) -> int | None:
    """The fewest pairs that detect a true difference of `delta` with `target` power at spread `sd`
    (estimated from the pairs run), never fewer than VERDICT_MIN_PAIRS (fewer give no verdict);
    None when sd is unknown or zero (no spread: nothing to extrapolate from).

    The search starts at the normal approximation n = ((z_a + z_b) sd / delta)^2, which the t-test
    never beats, so large answers (a million seeds) cost a few steps, not a million."""
    from scipy import stats

    if not math.isfinite(sd) or sd <= 0 or not delta > 0:
        return None
    z = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(target))
    n = max(VERDICT_MIN_PAIRS, math.floor((z * sd / delta) ** 2))
    while power(delta, sd, n, alpha) < target:
        n += 1
    return n


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


def pair_seeds(a, b) -> tuple[list, list[float], list[float]]:
    """The seeds two {seed: value} results share, sorted, and each side's values in that order: the
    one pairing rule of the table, the ablation and the Pareto marks (a run's seed fixes both its
    initialisation and its data order). Anything but two dicts shares nothing."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return [], [], []
    seeds = sorted(set(a) & set(b), key=str)
    return seeds, [a[s] for s in seeds], [b[s] for s in seeds]


def compare_seeds(a, b, delta: float, *, chance: bool = False) -> dict[str, Any] | None:
    """`compare` of b - a over the seeds both hold (`pair_seeds`), with `seeds` and `chance` (both
    sides at chance level, `at_chance`) recorded; None when they share fewer than 2 seeds."""
    seeds, x, y = pair_seeds(a, b)
    if len(seeds) < 2:
        return None
    return {**compare(x, y, delta), "seeds": seeds, "chance": chance}


def separated_by_verdict(c: dict[str, Any] | None) -> bool:
    """Whether a comparison, after `holm_verdicts`, is verdict-grade evidence of a difference: at
    least VERDICT_MIN_PAIRS pairs, some spread, Holm p < ALPHA. Bold cells and filled Pareto points
    use this rule, the Verdict column's."""
    return bool(c) and c.get("verdict") in ("higher", "lower")


def at_chance(iou: dict | None, miou: float | None, classes: int | None) -> bool:
    """Whether one evaluation is at chance level. The rule: with per-class IoU, every class but at
    most one has IoU 0 (a network that predicts one class everywhere); without it, an mIoU (a
    fraction) at or below 1 / classes, the most predicting one class can score; unknown (False)
    when neither is known."""
    if isinstance(iou, dict) and iou:
        values = [v for v in iou.values() if v is not None and v == v]
        return bool(values) and sum(v > 0 for v in values) <= 1
    if miou is not None and miou == miou and classes:
        return miou <= 1.0 / classes + 1e-12
    return False
