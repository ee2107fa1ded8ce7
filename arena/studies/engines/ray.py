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
"""
from __future__ import annotations

import socket
from typing import Callable

from arena.checks import cpu_count
from arena.errors import ArenaError

CONNECT_TIMEOUT_S = 3.0


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
        require_ray()
        if address:
            check_reachable(address)

    def describe(self) -> dict:
        return {"engine": self.name, "address": self.address or "local instance", "threads_per_task": self.threads}

    def run(self, jobs, on_rows: Callable, on_failure: Callable, on_progress: Callable | None = None,
            on_log: Callable | None = None) -> None:  # on_log: iteration reports stay in the Ray task
        import dataclasses

        ray = require_ray()
        from arena.studies.driver import execute

        started_here = not ray.is_initialized()
        if started_here:
            if self.address:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            else:
                cpus = cpu_count()
                ray.init(num_cpus=max(cpus or 1, self.threads), include_dashboard=False, log_to_driver=False)
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
