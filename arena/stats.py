"""Seed-paired differences: the mean, a paired t-interval (df = n - 1, scipy.stats), and a verdict.

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
    se = sd / math.sqrt(n)
    t = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1))
    low, high = mean - t * se, mean + t * se
    if sd == 0:
        low = high = mean
    verdict = "inconclusive" if low <= 0 <= high else ("higher" if low > 0 else "lower")
    return {"n": n, "mean": mean, "sd": sd, "se": se, "t": t, "confidence": confidence, "low": low,
            "high": high, "deltas": deltas, "verdict": verdict}


def log_ratio_interval(reference: list[float], variant: list[float], confidence: float = 0.95) -> dict[str, Any]:
    """variant / reference per pair (a latency round), as a t-interval on the mean log-ratio
    (df = n - 1, scipy.stats) carried back to a ratio: a time ratio is multiplicative, and the log
    makes x2 and x0.5 symmetric. `ratio` is the geometric mean of the per-pair ratios."""
    from scipy import stats

    if len(reference) != len(variant):
        raise ValueError(f"paired samples differ in length: {len(reference)} and {len(variant)}")
    if any(v <= 0 for v in [*reference, *variant]):
        raise ValueError("a log-ratio needs positive values (times in ms)")
    n = len(reference)
    if n < 2:
        raise ArenaError(f"a paired interval needs at least 2 rounds (df = n - 1 = {n - 1}): pass --iters 2 or more")
    logs = [math.log(v / r) for r, v in zip(reference, variant)]
    mean = statistics.fmean(logs)
    sd = statistics.stdev(logs)
    low, high = (mean, mean) if sd == 0 else (float(b) for b in stats.t.interval(confidence, df=n - 1, loc=mean,
                                                                                   scale=sd / math.sqrt(n)))
    verdict = "inconclusive" if low <= 0 <= high else ("higher" if low > 0 else "lower")
    return {"n": n, "mean_log": mean, "sd_log": sd, "confidence": confidence, "ratio": math.exp(mean),
            "low": math.exp(low), "high": math.exp(high), "verdict": verdict}
