"""benchmarks/gpu_check.sh without a GPU: the dry run checks every step, the CLI parser catches a bad
option, and with no time left every step is skipped and the summary table still comes last."""
from __future__ import annotations

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


def test_dry_run_passes_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    r = run("--dry-run", OUT=str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dry run: 9 steps, syntax ok" in r.stdout and "check-cli: 7 arena CLI call(s) parse" in r.stdout
    for name in ("env", "calibrate", "fp32-eager", "fast-mode", "by-node", "train-twins", "ddp", "gpu-tests",
                 "reduce-overhead"):
        assert re.search(rf"^\d\. {name} \(time-out \d+ s", r.stdout, re.M), name
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
    table = lines[-9:]
    assert [line.split()[0] for line in table] == ["env", "calibrate", "fp32-eager", "fast-mode", "by-node",
                                                   "train-twins", "ddp", "gpu-tests", "reduce-overhead"]
    assert all(line.split()[1] == "skipped" for line in table)
    files = list(out.iterdir())
    assert len(files) <= 8 and all(f.is_file() for f in files)
