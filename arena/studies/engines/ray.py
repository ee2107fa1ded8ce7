"""The Ray engine: each job a Ray core task on an existing cluster (or a local instance), the rows
returned to the driver, which alone writes the results store. The only module that imports ray.

Each task declares what it needs: `num_cpus` = the job's threads, and for a job on a CUDA device
`num_gpus=1` and `max_calls=1`. Ray gives such a task one GPU and makes it the only one visible
(CUDA_VISIBLE_DEVICES), so the job runs on `cuda` there, whatever `cuda:N` the study named (Ray
chooses the GPU; the rows keep the job's keys); `max_calls=1` gives every GPU task a fresh worker
process (no CUDA context, allocator cache or compiled code left by the last one). A study with GPU
jobs on a cluster without a GPU stops before submitting anything, instead of waiting forever.
Ray sets OMP_NUM_THREADS to a task's CPU count, so the job sets torch's threads itself and
records them. An `--address` is checked with a plain TCP connect (a few seconds at most) before Ray
is asked to join it, so an unreachable cluster fails in one line instead of Ray's retry loop.

Token authentication (Ray's default for a cluster started where a token exists): `ray.init` turns
it on by itself only for `address="auto"`, never for an explicit HOST:PORT, so joining such a
cluster by address failed with Ray's bare ConnectionError. arena therefore sets RAY_AUTH_MODE=token
(unless the user set RAY_AUTH_MODE) when a token is at hand where Ray looks for one: the
RAY_AUTH_TOKEN variable, the file RAY_AUTH_TOKEN_PATH names, or ~/.ray/auth_token (the file a
cluster started on this machine uses). A client in token mode also joins a cluster without
authentication. The join waits RAY_gcs_server_port_wait_time_s = 5 s for the cluster's answer
(Ray's own variable; a user's value wins) instead of Ray's 20, and a refusal is one line naming
the likely cause (the token, or another Ray version) and the fix.
"""
from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path
from typing import Callable

from arena.checks import cpu_count
from arena.errors import ArenaError

CONNECT_TIMEOUT_S = 3.0
JOIN_WAIT_S = "5"  # Ray's RAY_gcs_server_port_wait_time_s while joining (one attempt a second)
TOKEN_HOWTO = ("`ray get-auth-token` on its head node prints it; set RAY_AUTH_TOKEN to it, or RAY_AUTH_TOKEN_PATH "
               "to a file holding it")


def require_ray():
    try:
        import ray
    except ImportError:
        raise ArenaError("the ray engine needs ray, which is not installed: pip install 'arena-seg[ray]' "
                         "(or use --engine local)") from None
    return ray


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """host:port must accept a TCP connection within `timeout` seconds ("auto" and ray:// are passed on)."""
    if address in ("auto", "local") or address.startswith("ray://"):
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ArenaError(f"--address {address!r} is not HOST:PORT (e.g. 127.0.0.1:6379, where `ray start --head` "
                         "listens)")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as e:
        reason = "timed out" if isinstance(e, socket.timeout) else (e.strerror or str(e))
        raise ArenaError(f"cannot reach a Ray cluster at {address} ({reason} within {timeout:g} s): start one with "
                         "`ray start --head`, or drop --address to run a local Ray instance") from None


def default_token_file() -> Path:
    """Where `ray start` and `ray.init()` keep this machine's token (Ray's own default path)."""
    return Path.home() / ".ray" / "auth_token"


def token_source() -> str | None:
    """Where Ray will find this client's token, in Ray's order, or None; a named file that is missing
    is the user's mistake, said now rather than as Ray's connection error."""
    if os.environ.get("RAY_AUTH_TOKEN"):
        return "RAY_AUTH_TOKEN"
    named = os.environ.get("RAY_AUTH_TOKEN_PATH")
    if named:
        if not Path(named).is_file():
            raise ArenaError(f"RAY_AUTH_TOKEN_PATH names {named}, which is not a file: point it at a file holding "
                             f"the cluster's token ({TOKEN_HOWTO})")
        return f"RAY_AUTH_TOKEN_PATH ({named})"
    return str(default_token_file()) if default_token_file().is_file() else None


def use_token_auth() -> str | None:
    """Turn on Ray's token mode for joining an explicit address when a token is at hand (module
    docstring); returns where the token comes from. A RAY_AUTH_MODE the user set is left alone."""
    source = token_source()
    if source is None or "RAY_AUTH_MODE" in os.environ:
        return source
    os.environ["RAY_AUTH_MODE"] = "token"
    if "ray" in sys.modules:  # Ray read its settings when imported: read them again, as `ray start` does
        with contextlib.suppress(ImportError, AttributeError):
            from ray._raylet import AuthenticationTokenLoader, Config

            Config.initialize("")
            AuthenticationTokenLoader.instance().reset_cache()
    return source


def join_error(address: str, error: BaseException, source: str | None, version: str, log: str = "") -> ArenaError:
    """One line for a cluster that answered TCP but would not take this client (`log`: what Ray's client
    wrote while trying)."""
    chain, seen = [], error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    text = " ".join([log, *(str(e) for e in chain)])
    if "InvalidAuthToken" in text or "Unauthenticated" in text or "authentication" in text.lower():
        had = f"the token from {source} is not its token" if source else "no token was found on this machine"
        return ArenaError(f"the Ray cluster at {address} uses token authentication and {had}: {TOKEN_HOWTO}, "
                          "then rerun")
    return ArenaError(f"cannot join the Ray cluster at {address} ({type(error).__name__}: "
                      f"{str(error).strip().splitlines()[0] if str(error).strip() else ''}): is it a Ray {version} "
                      f"cluster (`ray --version` on its head node)? `ray status --address {address}` shows it; "
                      "or drop --address to run a local Ray instance")


def task_options(job) -> tuple[dict, dict]:
    """(Ray options, keyword arguments of `execute`) for one job's task."""
    if job.needs_gpu:
        return {"num_cpus": job.threads, "num_gpus": 1, "max_calls": 1}, {"device": "cuda"}
    return {"num_cpus": job.threads, "num_gpus": 0}, {}


def check_gpus(jobs, resources: dict) -> None:
    """One line when jobs need a GPU and the cluster has none (Ray would wait for one forever)."""
    wanting = sum(job.needs_gpu for job in jobs)
    if wanting and resources.get("GPU", 0) < 1:
        raise ArenaError(f"{wanting} job(s) need a GPU but this Ray cluster has none: start its workers on GPU "
                         "machines (`ray start ... --num-gpus N`), or run the study with --device cpu")


class RayEngine:
    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 1, threads: int | None = None):
        self.address, self.workers = address, workers
        self.threads = threads or 1
        self.token_source = None
        if address:
            check_reachable(address)
            if address not in ("auto", "local"):
                self.token_source = use_token_auth()  # before ray is imported, when it is not yet
        require_ray()

    def describe(self) -> dict:
        return {"engine": self.name, "address": self.address or "local instance", "threads_per_task": self.threads}

    def run(self, jobs, on_rows: Callable, on_failure: Callable, on_progress: Callable | None = None,
            on_log: Callable | None = None) -> None:  # on_log: iteration reports stay in the Ray task
        import dataclasses

        ray = self.connect()
        from arena.studies.executors import execute

        jobs = [job if job.threads else dataclasses.replace(job, threads=self.threads) for job in jobs]
        check_gpus(jobs, ray.cluster_resources())
        task = ray.remote(execute)
        pending = {}
        for job in jobs:
            options, kwargs = task_options(job)
            pending[task.options(**options).remote(job.to_dict(), **kwargs)] = job
        done = 0
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            job = pending.pop(ready[0])
            done += 1
            if on_progress:
                on_progress(done, len(jobs), job.label)
            try:
                rows = ray.get(ready[0])
            except Exception as e:  # noqa: BLE001 - RayTaskError wraps the job's own exception
                cause = getattr(e, "cause", None) or e
                on_failure(job, f"{type(cause).__name__}: {str(cause).strip().splitlines()[-1] if str(cause).strip() else ''}")
                continue
            on_rows(job, rows)

    def connect(self):
        """Join the cluster at --address (or start a local instance) once; the driver calls it before
        planning, so an unreachable or refusing cluster is one line before any probe or job."""
        ray = require_ray()
        if not ray.is_initialized():
            if self.address:
                self._join(ray)
            else:
                ray.init(num_cpus=max(cpu_count() or 1, self.threads), include_dashboard=False, log_to_driver=False)
        return ray

    def _join(self, ray) -> None:
        """ray.init on the cluster at --address, its refusal one line (module docstring)."""
        import logging

        waited = "RAY_gcs_server_port_wait_time_s" in os.environ
        os.environ.setdefault("RAY_gcs_server_port_wait_time_s", JOIN_WAIT_S)
        try:
            with _fd2_held() as held:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ray.exceptions.RayError) as e:
            raise join_error(self.address, e, self.token_source, ray.__version__, held.get("text", "")) from None
        finally:
            if not waited:
                os.environ.pop("RAY_gcs_server_port_wait_time_s", None)


@contextlib.contextmanager
def _fd2_held():
    """Ray's C++ client logs each retry to file descriptor 2, below Python's reach: held in a temporary
    file while joining (library code never prints) and handed back as `text` for the error line."""
    import tempfile

    held: dict[str, str] = {}
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield held
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            held["text"] = sink.read().decode("utf-8", "replace")
