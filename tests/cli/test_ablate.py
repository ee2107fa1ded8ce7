"""`arena ablate` as a user types it: the plan before anything runs, the budget, one-line refusals,
and verdicts with their statistics in --json (smoke schedule, tiny sizes)."""
from __future__ import annotations

import json

import pytest

from tests.helpers import one_line_error, run_cli

SMALL = ["--swap", "upsampler=gai", "--nets", "fast_scnn", "--schedule", "smoke", "--iters", "2",
         "--res", "64x128", "--bench-iters", "4"]


def test_dry_run_prints_the_plan_with_estimates_and_writes_nothing(tmp_path, monkeypatch):
    # fixed probe figures (a real probe times every network once: tests/studies/test_study.py's dry run)
    line = {"train_fixed": 0.01, "train_per_px": 1e-7, "forward_fixed": 0.001, "forward_per_px": 1e-8}
    monkeypatch.setattr("arena.studies.estimate.probe", lambda *a, **k: line)
    r = run_cli("ablate", *SMALL, "--seeds", "3", "--dry-run", "--json", "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)
    assert plan["to_run"] == 2 + 1 + 6 and len(plan["estimates_s"]) == len(plan["plan"]) == 9
    assert all(s > 0 for s in plan["estimates_s"]) and plan["estimated_s"] == pytest.approx(sum(plan["estimates_s"]))
    assert not (tmp_path / "o").exists()


def test_the_default_schedule_follows_the_device_and_says_why(tmp_path):
    r = run_cli("ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--seeds", "3", "--dry-run",
                "--out", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "schedule demo: the default on a CPU" in " ".join(r.output.split())


def test_over_budget_stops_before_anything_runs_with_the_nearest_command(tmp_path, monkeypatch):
    """Probe figures fixed (0.1 us per pixel per step, nothing fixed): short = 4000 x 0.21 s = 14 min a run,
    2.3 h for 10 runs, over a 1 h budget; demo = 240 x 0.0066 s = 1.6 s a run: the nearest that fits."""
    line = {"train_fixed": 0.0, "train_per_px": 1e-7, "forward_fixed": 0.0, "forward_per_px": 1e-8}
    monkeypatch.setattr("arena.studies.estimate.probe", lambda *a, **k: line)
    r = run_cli("ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--seeds", "5", "--schedule", "short",
                "--budget", "1", "--out", tmp_path / "o")
    assert r.exit_code == 2  # the plan first (stderr), then the one line that stops it
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("error: this study would take about 2.3 h") and "over the --budget of 1 h" in last
    assert "try `arena ablate --swap upsampler=gai --nets fast_scnn --schedule demo" in last and "--yes" in last
    assert not (tmp_path / "o").exists()


def test_a_job_that_cannot_run_is_refused_before_any_other_runs(tmp_path):
    r = run_cli("ablate", *SMALL, "--seeds", "3", "--device", "cuda", "--out", tmp_path / "o")
    if "no CUDA device here" not in r.output:
        pytest.skip("a CUDA device is present")
    assert "cannot run: --device cuda: no CUDA device here" in one_line_error(r) and "nothing was run" in r.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args, message", [
    (["--delta", "0"], "--delta must be positive"),
    (["--delta-latency", "-1"], "--delta-latency must be positive"),
    (["--budget", "0"], "--budget must be a positive number of hours"),
])
def test_bad_margins_are_one_line(tmp_path, args, message):
    r = run_cli("ablate", *SMALL, "--seeds", "3", *args, "--out", tmp_path / "o")
    assert message in one_line_error(r)


@pytest.mark.slow
def test_verdicts_in_json_and_mixed_versions_refused(tmp_path):
    out = tmp_path / "o"
    r = run_cli("ablate", *SMALL, "--seeds", "3", "--json", "--out", out)
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    (entry,) = result["ablation"]["comparisons"]
    miou, latency = entry["miou"], entry["latency"]
    for key in ("n", "mean", "ci", "p", "p_holm", "verdict", "per_seed", "min_detectable", "seeds_needed"):
        assert key in miou and key in latency, key
    assert miou["n"] == 3 and len(miou["per_seed"]) == 3
    # two smoke iterations leave both networks predicting one class: said as such, never compared
    assert miou["verdict"] in ("higher", "lower", "inconclusive", "equivalent within ±1", "both at chance",
                               "degenerate")
    judged = miou["verdict"] not in ("both at chance", "degenerate")
    assert result["ablation"]["counts"] == {"latency": 1, "miou": int(judged)}
    assert "NaN" not in r.stdout
    assert latency["ratio_ci"][0] <= latency["ratio"] <= latency["ratio_ci"][1]
    # a row of the pair made by other code: refused in one line naming both, or allowed and marked
    path = out / "train.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        if row["spec"] == "fast_scnn[upsampler=gai]":
            row["git_commit"] = "0123456789abcdef"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    r = run_cli("ablate", *SMALL, "--seeds", "3", "--out", out)
    line = r.output.strip().splitlines()[-1]
    assert r.exit_code == 2 and "were made by different code" in line and "commit 0123456789" in line
    assert "--rerun-stale" in line and "--allow-mixed-versions" in line
    r = run_cli("ablate", *SMALL, "--seeds", "3", "--allow-mixed-versions", "--json", "--out", out)
    assert r.exit_code == 0, r.output
    assert "commit 0123456789" in json.loads(r.stdout)["ablation"]["comparisons"][0]["miou"]["mixed_versions"]


def test_ctrl_c_keeps_finished_jobs_and_says_how_to_resume(tmp_path, monkeypatch):
    def interrupted(job, *a):
        raise KeyboardInterrupt

    monkeypatch.setitem(__import__("arena.studies.executors", fromlist=["EXECUTORS"]).EXECUTORS, "train", interrupted)
    r = run_cli("ablate", *SMALL, "--seeds", "3", "--skip-bench", "--out", tmp_path / "o")
    assert r.exit_code == 2
    last = r.output.strip().splitlines()[-1]
    # the resume command is the process's own command line (sys.argv): pytest's here, none under xdist
    assert last.startswith("error: interrupted: every finished job is kept; resume with: arena")
    assert len((tmp_path / "o" / "profile.jsonl").read_text().splitlines()) == 2  # the profiles ran before

