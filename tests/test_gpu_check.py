"""benchmarks/gpu_check.sh without a GPU: the dry run prints the plan (budgets, networks, total) and
checks every step, the CLI parser catches a bad option, with no time left every step is skipped and the
summary table still comes last, and a step killed by its time-out keeps the rows of the networks it
finished (a fake bench command that hangs on the third network)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "benchmarks/gpu_check.sh"


def run(*args, **env):
    return subprocess.run(["bash", SCRIPT, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHON": sys.executable, **env})


STEPS = ["env", "fp32-eager", "fast-mode", "train-twins", "ddp", "calibrate", "by-node", "rest-512", "gpu-tests",
         "reduce-overhead"]  # the ones that matter most first, the optional ones last
FULL = ["fanet18", "fast_scnn", "s2fpn18", "sgcpnet", "gain18", "stdc1_seg", "pidnet_s"]


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    """Today's script planned nine steps in 530 s, `all` seventeen networks per bench step, and printed
    neither the networks nor a total."""
    out = tmp_path / "out"
    r = run("--dry-run", OUT=str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dry run: 10 steps, syntax ok, budget 400 s" in r.stdout and "check-cli: 8 arena CLI call(s) parse" in r.stdout
    found = re.findall(r"^(\d+)\. (\S+) \(time-out (\d+) s, skipped with less than (\d+) s left; (required|optional)",
                       r.stdout, re.M)
    assert [name for _, name, *_ in found] == STEPS
    required = sum(int(t) for _, _, t, _, kind in found if kind == "required")
    total = re.search(r"^total: at most (\d+) s .* required steps (\d+) s", r.stdout, re.M)
    assert total and int(total.group(1)) == 400 and int(total.group(2)) == required <= 400 - 10
    assert [kind for *_, kind in found][:5] == ["required"] * 5 and set([kind for *_, kind in found][5:]) == {"optional"}
    plan = r.stdout.split("3. fast-mode")[0].split("2. fp32-eager")[1]
    assert f"networks: {' '.join(FULL)}" in plan and "1024x2048" in plan
    assert not out.exists()


def test_the_cli_check_catches_a_bad_option():
    r = subprocess.run([sys.executable, "benchmarks/gpu_check.py", "check-cli",
                        "true && python3 -m arena.cli bench fast_scnn --device cuda --itres 3"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "--itres" in r.stderr


def test_steps_are_timed_out_by_executables_never_shell_functions():
    text = (ROOT / SCRIPT).read_text()
    calls = [line for line in text.splitlines() if re.search(r"\btimeout\b", line) and not line.lstrip().startswith("#")]
    assert calls and all('timeout -k 10 "$limit" bash -c' in line for line in calls), calls
    assert not re.search(r"^\s*arena\s*\(\)", text, re.M)


def test_with_no_time_left_every_step_is_skipped_and_the_table_comes_last(tmp_path):
    out = tmp_path / "out"
    r = run(OUT=str(out), GPU_CHECK_BUDGET_S="0")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    table = lines[-len(STEPS):]
    assert [line.split()[0] for line in table] == STEPS
    assert all(line.split()[1] == "skipped" for line in table)
    files = list(out.iterdir())
    assert len(files) <= 8 and all(f.is_file() for f in files)


FAKE_BENCH = """#!/usr/bin/env python3
import json, sys, time
net, out = sys.argv[1], sys.argv[sys.argv.index("--out") + 1]
if net == "s2fpn18":
    time.sleep(120)  # the third network hangs past the step's limit
row = {"kind": "bench", "spec": net, "metrics": {"median_ms": 5.0, "fps": 200.0},
       "protocol": {"compile": "none", "cuda_graphs": False, "dtype": "fp32", "fuse_bn": False,
                    "resolution": "1024x2048"}}
with open(out + "/bench.jsonl", "a") as f:
    f.write(json.dumps(row) + "\\n")
"""


def test_a_timed_out_step_keeps_the_rows_of_the_networks_it_finished(tmp_path):
    """Fault injection: fp32-eager with a 6 s limit, the third network sleeping 120 s. Today's script
    benched every network in one process and wrote nothing before the end: the step lost every row."""
    fake = tmp_path / "fake_bench.py"
    fake.write_text(FAKE_BENCH)
    out = tmp_path / "out"
    r = run(OUT=str(out), GPU_CHECK_ONLY="fp32-eager:6", GPU_CHECK_BENCH=f"{sys.executable} {fake}")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = [json.loads(line) for line in (out / "bench.jsonl").read_text().splitlines()]
    assert [row["spec"] for row in rows] == ["fanet18", "fast_scnn"]
    status = (out / "steps.tsv").read_text().split("\t")
    assert status[:2] == ["fp32-eager", "timed-out"]


def test_rows_record_the_commit_a_copied_tree_came_from(tmp_path, monkeypatch):
    """A copy without .git: ARENA_GIT_COMMIT (which the script sets from .gpu_check_commit) is the row's
    git_commit. Today it was null."""
    from arena import env

    monkeypatch.setenv("ARENA_GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setattr(env.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(OSError("no git")))
    env.git_commit.cache_clear()  # a cached answer from this checkout's git
    try:
        assert env.git_commit() == "0123456789abcdef0123456789abcdef01234567"
    finally:
        env.git_commit.cache_clear()


def test_train_twins_is_ok_by_the_tests_rule():
    """tests/train/test_gpu_train.py accepts a resume that is bit-exact or that names the kernels without a
    deterministic version; today's check said 'not ok' unless bit-exact."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.twins_ok({"bit_exact": True, "nondeterministic_ops": []})
    assert module.twins_ok({"bit_exact": False, "nondeterministic_ops": ["upsample_bilinear2d_backward_out_cuda"]})
    assert not module.twins_ok({"bit_exact": False, "nondeterministic_ops": []})
