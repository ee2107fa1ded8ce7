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
