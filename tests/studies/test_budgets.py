"""A study file may list training budgets (`[train] iters = [120, 360]`): one run of every cell per budget."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.studies.plan import expand
from arena.studies.schema import load

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def test_the_proxy_study_is_five_families_two_budgets_three_seeds():
    plan = expand(load(EXPERIMENTS / "proxy.toml"))
    jobs = [(j.specs[0], j.train["iters"], j.seed) for j in plan.jobs]
    assert all(j.kind == "train" and j.train["schedule"] == "demo" for j in plan.jobs)
    assert [iters for _, iters, _ in jobs] == [120] * 15 + [360] * 15  # a whole budget before the next
    assert sorted({spec for spec, _, _ in jobs}) == ["fanet18", "fast_scnn", "gain18", "s2fpn18", "sgcpnet"]
    assert len(set(jobs)) == 30
    keys = [k for j in plan.jobs for k in j.keys()]
    assert len(set(keys)) == 30  # a budget is part of the key: both are run, neither skips the other


@pytest.mark.parametrize("value", ["[]", "[0]", '[120, "long"]', '"long"', "[true]"])
def test_a_bad_budget_list_is_one_line(tmp_path, value):
    path = tmp_path / "bad.toml"
    path.write_text(f'[study]\nnetworks = ["fast_scnn"]\nkinds = ["train"]\n\n[train]\nschedule = "demo"\niters = {value}\n')
    r = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert len(line.splitlines()) == 1 and "bad.toml:7: [train] iters" in line, line
    assert not (tmp_path / "out").exists()
