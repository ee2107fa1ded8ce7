"""`arena rank`: does a short schedule rank networks as a longer one (or another seed) would?

A `demo` verdict is only useful if the order it puts networks in survives a longer schedule. This
module measures that on train rows: Kendall's tau between the rankings of two budgets (settings of
the results store that differ in their schedule) or of two seeds within one budget, each with the
exact one-sided permutation p-value (the share of the n! orderings of one side whose tau with the
other is at least the observed one: five networks, tau >= 0.8 has p = 5/120 = 0.042), and the tau of
every budget against the papers' own Cityscapes ranking (`report/published.py`, headline rows).

Why tau-b and a permutation p: with five networks a rank correlation is all the data supports, and
its null distribution is small enough to enumerate, ties included; scipy.stats.kendalltau gives the
same tau (its exact p agrees when there are no ties, which the tests check).
"""
from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

BY = ("schedule", "seed")
EXACT_LIMIT = 9  # up to 9! = 362,880 orderings are enumerated; beyond, scipy's p (named in the output)
CAVEATS = ("the papers' figures come from ImageNet-pretrained backbones, full schedules (tens of thousands "
           "of iterations at 512x1024 or larger), real Cityscapes data and each paper's own evaluation (the "
           "headline rows mix test and val splits, some not stated, and input sizes); arena's come from "
           "scratch, on synthetic scenes, in minutes: agreement is not expected, and disagreement says "
           "nothing about the papers")


# -- statistics -----------------------------------------------------------------------------------
def kendall_tau(x: list[float], y: list[float]) -> float:
    """Kendall's tau-b of two score lists over the same networks (scipy.stats.kendalltau); NaN when a
    side is all ties."""
    from scipy import stats

    return float(stats.kendalltau(x, y).statistic)


def permutation_p(x: list[float], y: list[float]) -> tuple[float, str]:
    """(one-sided p of tau >= observed under random orderings, how it was computed).

    Exact for n <= EXACT_LIMIT: tau-b of x with every ordering of y's values, vectorised over the
    n! orderings; ties keep their counts under a permutation, so the tau-b denominator is fixed.
    """
    import numpy as np

    n = len(x)
    if n != len(y):
        raise ValueError(f"rankings differ in length: {n} and {len(y)}")
    if n > EXACT_LIMIT:
        from scipy import stats

        result = stats.kendalltau(x, y, alternative="greater")
        return float(result.pvalue), f"scipy.stats.kendalltau (n = {n} > {EXACT_LIMIT}: not enumerated)"
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        return math.nan, "undefined: a score is NaN"
    i, j = np.triu_indices(n, 1)  # every pair of networks once
    sign_x = np.sign(xs[i] - xs[j])  # (pairs,)
    orderings = np.array(list(itertools.permutations(range(n))))  # (n!, n)
    permuted = ys[orderings]  # (n!, n): y's values in every order
    sign_y = np.sign(permuted[:, i] - permuted[:, j])  # (n!, pairs)
    denominator = math.sqrt(np.count_nonzero(sign_x) * np.count_nonzero(np.sign(ys[i] - ys[j])))
    if denominator == 0:
        return math.nan, "undefined: one ranking is all ties"
    taus = sign_y @ sign_x / denominator  # (n!,)
    observed = float(np.sign(ys[i] - ys[j]) @ sign_x / denominator)
    return float(np.mean(taus >= observed - 1e-9)), f"exact: all {len(orderings)} orderings"


def compare(a: dict[str, float], b: dict[str, float]) -> dict[str, Any]:
    """tau and p of two {network: score} maps over the networks both hold, with both orders."""
    nets = sorted(set(a) & set(b))
    x, y = [a[k] for k in nets], [b[k] for k in nets]
    tau = kendall_tau(x, y) if len(nets) >= 2 else math.nan
    p, method = permutation_p(x, y) if len(nets) >= 2 else (math.nan, "fewer than 2 networks")
    return {"n": len(nets), "tau": tau, "p": p, "p_method": method,
            "order_a": sorted(nets, key=lambda k: -a[k]), "order_b": sorted(nets, key=lambda k: -b[k])}


# -- rows -----------------------------------------------------------------------------------------
def load(folder: str | Path) -> list[dict[str, Any]]:
    """The last-written train row of each (spec, setting, seed) in a results folder."""
    return load_with_skipped(folder)[0]


def load_with_skipped(folder: str | Path) -> tuple[list[dict[str, Any]], list[str]]:
    """`load`, and the train rows it left out for want of a finite mIoU (`spec seed N`)."""
    from arena.store import Store

    folder = Path(folder)
    if not folder.exists():
        raise ArenaError(f"no results folder {folder}: pass the --out folder of `arena run experiments/proxy.toml`")
    rows, skipped = [], []
    for r in Store(folder).records("train"):
        miou = (r.get("metrics") or {}).get("miou")
        if isinstance(miou, (int, float)) and not isinstance(miou, bool) and math.isfinite(miou):
            rows.append(r)
        elif miou is not None:  # NaN or infinity (an imported row): never ranked, named once
            skipped.append(f"{r.get('spec')} seed {r.get('seed')}")
    if not rows:
        raise ArenaError(f"{folder} holds no train rows with an mIoU: run `arena run experiments/proxy.toml "
                         f"--out {folder}` first")
    latest: dict[tuple, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r.get("time") or ""):  # stable: read order breaks ties
        latest[(row["spec"], row["setting"]["id"], row.get("seed"))] = row
    return list(latest.values()), skipped


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in record.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def settings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The settings present, shortest budget first, each labelled by the fields that differ
    (`arena.report.setting_labels.labels`: `iters=120 (id)`)."""
    from arena.report.setting_labels import labels

    found: dict[str, dict[str, Any]] = {}
    fields: dict[str, dict[str, Any]] = {}
    for row in rows:
        fields.setdefault(row["setting"]["id"], _flat({k: v for k, v in row["setting"].items() if k != "id"}))
        s = row["setting"]
        schedule = s.get("schedule") if isinstance(s.get("schedule"), dict) else {}
        found.setdefault(s["id"], {"id": s["id"], "schedule": row.get("schedule"), "dataset": row.get("dataset"),
                                   "iters": schedule.get("iters"), "batch": schedule.get("batch"),
                                   "crop": schedule.get("crop")})
    out = sorted(found.values(), key=lambda s: (s["iters"] or 0, s["schedule"] or "", s["id"]))
    named = labels(fields, [s["id"] for s in out])
    for s in out:
        s["label"] = named[s["id"]]
    return out


def scores(rows: list[dict[str, Any]], setting_id: str) -> dict[str, dict[int, float]]:
    """{spec: {seed: mIoU in percent}} of one setting."""
    out: dict[str, dict[int, float]] = {}
    for row in rows:
        if row["setting"]["id"] == setting_id:
            out.setdefault(row["spec"], {})[row.get("seed")] = 100.0 * row["metrics"]["miou"]
    return out


def _means(by_seed: dict[str, dict[int, float]]) -> dict[str, float]:
    return {spec: statistics.fmean(v.values()) for spec, v in by_seed.items()}


def _of_seed(by_seed: dict[str, dict[int, float]], seed) -> dict[str, float]:
    return {spec: v[seed] for spec, v in by_seed.items() if seed in v}


# -- the report -------------------------------------------------------------------------------------
def rank(folder: str | Path, by: str = "schedule") -> dict[str, Any]:
    """Rankings of the networks per setting and seed, and their agreement (module docstring)."""
    if by not in BY:
        raise ArenaError(f"--by {by!r} is not one of {', '.join(BY)}: compare budgets (schedule) or seeds (seed)")
    rows, skipped = load_with_skipped(folder)
    present = settings(rows)
    table = {s["id"]: scores(rows, s["id"]) for s in present}
    comparisons: list[dict[str, Any]] = []
    if by == "schedule":
        if len(present) < 2:
            raise ArenaError(f"{folder} holds one training setting ({present[0]['label']}): --by schedule needs two "
                             "budgets (experiments/proxy.toml trains two), or use --by seed")
        for a, b in itertools.combinations(present, 2):
            mean = compare(_means(table[a["id"]]), _means(table[b["id"]]))
            seeds = sorted({s for v in table[a["id"]].values() for s in v} & {s for v in table[b["id"]].values()
                                                                               for s in v}, key=str)
            per_seed = [{"seed": seed, **compare(_of_seed(table[a["id"]], seed), _of_seed(table[b["id"]], seed))}
                        for seed in seeds]
            comparisons.append({"a": a["label"], "b": b["label"], "what": "mean over seeds", **mean,
                                "per_seed": per_seed})
    else:
        for s in present:
            seeds = sorted({seed for v in table[s["id"]].values() for seed in v}, key=str)
            for x, y in itertools.combinations(seeds, 2):
                comparisons.append({"a": f"{s['label']} seed {x}", "b": f"{s['label']} seed {y}", "what": "seeds",
                                    **compare(_of_seed(table[s["id"]], x), _of_seed(table[s["id"]], y))})
        if not comparisons:
            raise ArenaError(f"{folder} holds one seed per setting: --by seed needs two seeds of one budget "
                             "(experiments/proxy.toml trains three)")
    too_few = [c for c in comparisons if c["n"] < 3]
    if len(too_few) == len(comparisons):
        raise ArenaError(f"{folder}: no two rankings share 3 networks (a rank correlation of 2 is +-1 by "
                         "construction): train at least 3 networks in each setting")
    return {"folder": str(folder), "by": by, "settings": present,
            "scores": {s["label"]: table[s["id"]] for s in present},
            "comparisons": comparisons, "published": _against_published(rows, present, table),
            "caveats": CAVEATS, "skipped": skipped}


def _against_published(rows, present, table) -> list[dict[str, Any]]:
    """tau of each setting's mean ranking against the papers' headline Cityscapes mIoU (plain variants only)."""
    from arena.report.published import records

    plain = {r["spec"] for r in rows if r["spec"] == r.get("network")}  # shipped variants, no swap or override
    papers: dict[str, float] = {}
    for p in records(plain, "cityscapes", headline_only=True):  # a variant's first headline row (STDC has two)
        if p.miou is not None:
            papers.setdefault(p.variant, p.miou)
    out = []
    for s in present:
        means = {k: v for k, v in _means(table[s["id"]]).items() if k in papers}
        if len(means) >= 3:
            out.append({"a": s["label"], "b": "papers (Cityscapes, headline rows)",
                        "published_miou": {k: papers[k] for k in means}, **compare(means, papers)})
    return out
