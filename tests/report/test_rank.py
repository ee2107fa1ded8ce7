"""`arena rank`: Kendall's tau and its exact permutation p against hand counts and scipy; bad inputs one line.

Hand figures. Five networks: orderings of 5 items with k inversions (Mahonian numbers) 1, 4, 9, 15, ...;
tau = 1 - 4k / 20, so tau >= 0.8 (k <= 1) has p = 5/120 and tau >= 0.4 (k <= 3) has p = 29/120.
With ties, y = (1, 1, 2, 3) against x = (1, 2, 3, 4): S = 5 concordant pairs, one tied pair,
tau-b = 5 / sqrt(6 * 5); only the 2 orderings that keep y sorted reach it: p = 2/24.
"""
from __future__ import annotations

import json
import math
import random

import pytest
from scipy import stats
from typer.testing import CliRunner

import arena
from arena import results
from arena.cli import app
from arena.errors import ArenaError
from arena.report.rank import permutation_p, rank
from arena.store import Store
from tests.helpers import one_line_error

FIVE = ["gain18", "fanet18", "fast_scnn", "s2fpn18", "sgcpnet"]
# issue 16's trial at the demo budget (120 iterations, seed 0): gain18 > fanet18 > fast_scnn > s2fpn18 > sgcpnet;
# against the papers' gain18 > s2fpn18 > fanet18 > sgcpnet > fast_scnn: 7 concordant, 3 discordant pairs
ISSUE_MIOU = {"gain18": 21.7, "fanet18": 20.9, "fast_scnn": 20.2, "s2fpn18": 18.6, "sgcpnet": 6.1}


def test_five_networks_by_hand():
    x = [5, 4, 3, 2, 1]
    assert permutation_p(x, x) == (pytest.approx(1 / 120), "exact: all 120 orderings")
    one_swap = [5, 4, 2, 3, 1]  # one inversion: tau 0.8
    assert stats.kendalltau(x, one_swap).statistic == pytest.approx(0.8)
    assert permutation_p(x, one_swap)[0] == pytest.approx(5 / 120)  # 0.042
    reversed_ = [1, 2, 3, 4, 5]
    assert permutation_p(x, reversed_)[0] == pytest.approx(1.0)


def test_ties_by_hand():
    x, y = [1, 2, 3, 4], [1, 1, 2, 3]
    assert stats.kendalltau(x, y).statistic == pytest.approx(5 / math.sqrt(30))
    assert permutation_p(x, y)[0] == pytest.approx(2 / 24)


@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_the_exact_p_agrees_with_scipy_without_ties(n):
    rng = random.Random(n)
    for _ in range(5):
        x = rng.sample(range(100), n)
        y = rng.sample(range(100), n)
        expected = stats.kendalltau(x, y, method="exact", alternative="greater").pvalue
        assert permutation_p(x, y)[0] == pytest.approx(expected, abs=1e-9)


def row(spec, miou, seed, iters):
    schedule = {"name": "demo", "iters": iters, "batch": 4, "crop": [128, 256], "lr": 0.05}
    return results.make_row("train", arena.resolve(spec).row_fields(), {"miou": miou / 100},
                            protocol={"schedule": schedule, "data": {"name": "synthetic"}, "val": {"size": 200}},
                            dataset="synthetic", schedule="demo", seed=seed, environment_={"device": "cpu"})


def proxy_folder(folder):
    """Budget 120: ISSUE_MIOU at seeds 0 and 1 (seed 1 one point lower: the same order). Budget 360: one
    adjacent pair (fast_scnn, s2fpn18) swapped, both seeds."""
    rows = []
    for seed in (0, 1):
        rows += [row(net, v - seed, seed, 120) for net, v in ISSUE_MIOU.items()]
        late = {**ISSUE_MIOU, "s2fpn18": 20.5}
        rows += [row(net, v + 5 - seed, seed, 360) for net, v in late.items()]
    Store(folder).append(rows)
    return folder


def test_rank_by_schedule_and_seed_and_against_the_papers(tmp_path):
    folder = proxy_folder(tmp_path / "proxy")
    out = rank(folder, "schedule")
    # named by the field that differs, by value, the id as a suffix (never the hash alone)
    assert [s["label"] for s in out["settings"]] == [f"iters=120 ({out['settings'][0]['id']})",
                                                     f"iters=360 ({out['settings'][1]['id']})"]
    short_label, long_label = (s["label"] for s in out["settings"])
    (budgets,) = out["comparisons"]
    assert budgets["n"] == 5 and budgets["tau"] == pytest.approx(0.8) and budgets["p"] == pytest.approx(5 / 120)
    assert budgets["order_a"] == FIVE
    assert [c["tau"] for c in budgets["per_seed"]] == [pytest.approx(0.8)] * 2
    short, _ = out["published"]
    assert short["n"] == 5 and short["tau"] == pytest.approx(0.4) and short["p"] == pytest.approx(29 / 120)
    assert short["order_b"] == ["gain18", "s2fpn18", "fanet18", "sgcpnet", "fast_scnn"]
    seeds = rank(folder, "seed")["comparisons"]
    assert [(c["a"], c["b"]) for c in seeds] == [(f"{short_label} seed 0", f"{short_label} seed 1"),
                                                (f"{long_label} seed 0", f"{long_label} seed 1")]
    assert all(c["tau"] == pytest.approx(1.0) and c["p"] == pytest.approx(1 / 120) for c in seeds)


def test_the_command_prints_and_writes_json(tmp_path):
    folder = proxy_folder(tmp_path / "proxy")
    r = CliRunner().invoke(app, ["rank", str(folder)])
    assert r.exit_code == 0, r.output
    assert "iters=120 (" in r.output and "0.80" in r.output and "0.042" in r.output
    r = CliRunner().invoke(app, ["rank", str(folder), "--by", "seed", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["by"] == "seed"


def test_bad_inputs_are_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no train rows" in one_line_error(CliRunner().invoke(app, ["rank", str(empty)]))
    assert "no results folder" in one_line_error(CliRunner().invoke(app, ["rank", str(tmp_path / "missing")]))
    folder = proxy_folder(tmp_path / "proxy")
    line = one_line_error(CliRunner().invoke(app, ["rank", str(folder), "--by", "budget"]))
    assert "'budget'" in line and "schedule, seed" in line
    one = tmp_path / "one"
    Store(one).append([row(net, v, 0, 120) for net, v in ISSUE_MIOU.items()])
    assert "--by seed" in one_line_error(CliRunner().invoke(app, ["rank", str(one)]))
    assert "two seeds" in one_line_error(CliRunner().invoke(app, ["rank", str(one), "--by", "seed"]))
    two = tmp_path / "two"
    Store(two).append([row(net, v, s, it) for net, v in list(ISSUE_MIOU.items())[:2] for s in (0, 1)
                       for it in (120, 360)])
    with pytest.raises(ArenaError, match="3 networks"):
        rank(two)


def test_a_nan_miou_is_skipped_with_one_warning_never_ranked(tmp_path):
    """An imported row with mIoU NaN: today's code ranked it (tau NaN, p = 0.0). Now it is left out,
    named in one warning line, and the JSON holds no NaN token."""
    folder = proxy_folder(tmp_path / "proxy")
    Store(folder).append([row("fast_scnn", float("nan"), 2, 120)])
    out = rank(folder, "schedule")
    assert out["skipped"] == ["fast_scnn seed 2"]
    assert all(c["p"] == c["p"] and c["tau"] == c["tau"] for c in out["comparisons"])
    r = CliRunner().invoke(app, ["rank", str(folder), "--json"])
    assert r.exit_code == 0 and "NaN" not in r.stdout
    assert json.loads(r.stdout)["skipped"] == ["fast_scnn seed 2"]
    assert "left out 1 train row(s) without a finite mIoU: fast_scnn seed 2" in r.stderr


def test_permutation_p_of_nan_scores_is_undefined_never_zero():
    p, how = permutation_p([1.0, 2.0, 3.0], [1.0, float("nan"), 3.0])
    assert p != p and "NaN" in how
