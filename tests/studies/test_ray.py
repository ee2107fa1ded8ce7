"""The ray engine for real: a local Ray instance (one per test session), smoke.toml through it, rows
equal to the local engine's; an unreachable address fails in one line within a bounded time."""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.studies.driver import run_study
from arena.studies.spec import load
from arena.studies.engines.local import LocalEngine

ray = pytest.importorskip("ray")
EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


@pytest.fixture(scope="session")
def ray_instance():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _rows(out: Path) -> dict[str, dict]:
    return {r["job_key"]: r for p in sorted(out.glob("*.jsonl")) if p.name != "failures.jsonl"
            for r in map(json.loads, p.read_text().splitlines())}


@pytest.mark.slow
def test_smoke_study_on_ray_equals_the_local_engine(tmp_path, ray_instance):
    from arena.studies.engines.ray import RayEngine

    s = load(EXPERIMENTS / "smoke.toml")
    run_study(s, RayEngine(threads=1), tmp_path / "ray")
    run_study(s, LocalEngine(threads=1), tmp_path / "local")
    on_ray, local = _rows(tmp_path / "ray"), _rows(tmp_path / "local")
    assert on_ray.keys() == local.keys() and len(local) == 16
    for key, row in local.items():
        other = on_ray[key]
        assert other["spec"] == row["spec"] and other["kind"] == row["kind"]
        if row["kind"] == "profile":
            assert other["metrics"]["macs"] == row["metrics"]["macs"]
            assert other["metrics"]["params_inference"] == row["metrics"]["params_inference"]
        if row["kind"] == "train":  # same seed, same threads, same data: the same run
            assert other["metrics"]["miou"] == row["metrics"]["miou"]
            assert other["metrics"]["final_loss"] == row["metrics"]["final_loss"]
        assert other["protocol"]["job_threads"] == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free now, and nothing listens on it once closed


def test_an_unreachable_address_fails_in_one_line_quickly(tmp_path):
    address = f"127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    r = CliRunner().invoke(app, ["run", str(EXPERIMENTS / "smoke.toml"), "--engine", "ray", "--address", address,
                                 "--out", str(tmp_path / "o")])
    assert time.monotonic() - start < 10
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1, r.output
    assert f"cannot reach a Ray cluster at {address}" in r.output
    assert not (tmp_path / "o").exists()
