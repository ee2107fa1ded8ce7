"""The ray engine for real: a local Ray instance (one per test session), smoke.toml through it, rows
equal to the local engine's; an unreachable address fails in one line within a bounded time; a cluster
started with `ray start --head` and token authentication is joined by --address."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.studies.driver import run_study
from arena.studies.schema import load
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


# -- an existing cluster, joined by --address ------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _arena(*args, env: dict, timeout: float = 300):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "arena", *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def token_cluster():
    """A real cluster, as `ray start --head` makes one on a machine that holds a token: its own HOME (so the
    user's ~/.ray is never read or written) with .ray/auth_token, a temporary folder, a free port. Stopped
    by its own process: `ray start --block` shuts its processes down on SIGTERM (`ray stop` would stop every
    Ray on the machine); any process left is found by the temporary folder in its command line."""
    import secrets
    import shutil
    import signal
    import subprocess
    import sys
    import tempfile

    ray_cli = Path(sys.executable).with_name("ray")
    if not ray_cli.exists():
        pytest.skip("the `ray` command is not installed beside this Python")
    root = Path(tempfile.mkdtemp(prefix="arena-ray-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    home = root / "home"
    (home / ".ray").mkdir(parents=True)
    token = secrets.token_hex(32)
    (home / ".ray" / "auth_token").write_text(token)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    port = _free_port()
    head = subprocess.Popen([str(ray_cli), "start", "--head", "--port", str(port), "--temp-dir", str(root / "t"),
                             "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats", "--block"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not list((root / "t").glob("session_*/logs/raylet.out")):  # the raylet has started: the head is up
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`ray start --head` did not come up (exit {head.poll()})")
            time.sleep(0.5)
        yield {"address": f"127.0.0.1:{port}", "env": env, "token": token}
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            head.kill()
        import psutil

        for proc in psutil.process_iter(["pid", "cmdline"]):  # only processes of this cluster
            if str(root) in " ".join(proc.info["cmdline"] or []):
                with contextlib.suppress(psutil.Error):
                    proc.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_a_study_joins_a_token_cluster_by_address(tmp_path, token_cluster):
    """The README's command against `ray start --head` with token authentication: it used to end as
    'internal error: ConnectionError ... (a bug)', since ray.init(address=...) never looks for a token."""
    address, env = token_cluster["address"], token_cluster["env"]
    start = time.monotonic()
    wrong = _arena("run", EXPERIMENTS / "smoke.toml", "--engine", "ray", "--address", address, "--out", tmp_path / "w",
                   env={**env, "RAY_AUTH_TOKEN": "0" * 64})
    assert time.monotonic() - start < 30
    assert wrong.returncode == 2 and wrong.stderr.strip().count("\n") == 0, wrong.stderr
    assert (f"error: the Ray cluster at {address} uses token authentication and the token from RAY_AUTH_TOKEN is "
            "not its token: `ray get-auth-token` on its head node prints it") in wrong.stderr
    assert not (tmp_path / "w").exists()
    r = _arena("run", EXPERIMENTS / "smoke.toml", "--engine", "ray", "--address", address, "--out", tmp_path / "o",
               env=env)  # the token of this machine's cluster: HOME/.ray/auth_token, found by arena
    assert r.returncode == 0, r.stderr
    rows = _rows(tmp_path / "o")
    assert len(rows) == 16 and {row["kind"] for row in rows.values()} == {"profile", "bench", "train"}
    assert f"'address': '{address}'" in r.stdout


def test_where_the_token_comes_from(monkeypatch, tmp_path):
    """Ray's own places, in its order; a RAY_AUTH_TOKEN_PATH naming nothing is said before any connection."""
    from arena.errors import ArenaError
    from arena.studies.engines import ray as engine

    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_MODE"):
        monkeypatch.delenv(name, raising=False)
    assert engine.token_source() is None and engine.use_token_auth() is None
    assert "RAY_AUTH_MODE" not in os.environ  # no token: Ray's own default stands
    (tmp_path / ".ray").mkdir()
    (tmp_path / ".ray" / "auth_token").write_text("0" * 64)
    assert engine.token_source() == str(tmp_path / ".ray" / "auth_token")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # the user's choice is left alone
    assert engine.use_token_auth() == str(tmp_path / ".ray" / "auth_token")
    assert os.environ["RAY_AUTH_MODE"] == "disabled"
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "missing"))
    with pytest.raises(ArenaError, match=r"RAY_AUTH_TOKEN_PATH names .*missing, which is not a file"):
        engine.token_source()
    monkeypatch.setenv("RAY_AUTH_TOKEN", "0" * 64)
    assert engine.token_source() == "RAY_AUTH_TOKEN"


def test_a_refused_join_names_the_cause():
    from arena.studies.engines.ray import join_error

    refused = ConnectionError("Failed to connect to Ray cluster at 10.0.0.5:6379")
    refused.__cause__ = RuntimeError("onError: RPC error: InvalidAuthToken: Authentication token is missing or "
                                     "incorrect.")  # Ray 2.60's text for a cluster with token authentication
    line = str(join_error("10.0.0.5:6379", refused, None, "2.60.0"))
    assert line.startswith("the Ray cluster at 10.0.0.5:6379 uses token authentication and no token was found")
    assert "RAY_AUTH_TOKEN" in line and "\n" not in line
    other = str(join_error("10.0.0.5:6379", ConnectionError("Failed to connect to Ray cluster at 10.0.0.5:6379"),
                           "RAY_AUTH_TOKEN", "2.60.0"))
    assert other.startswith("cannot join the Ray cluster at 10.0.0.5:6379 (ConnectionError: Failed to connect")
    assert "is it a Ray 2.60.0 cluster" in other
