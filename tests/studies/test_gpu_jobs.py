"""GPU jobs in the engines, checked on CPU: the local engine never runs two at once, and a Ray task
gets one GPU, a fresh worker and the GPU Ray chose, or the study stops when the cluster has none
(a fake `ray` module stands in for a cluster)."""
from __future__ import annotations

import sys
import types

import pytest

from arena.errors import ArenaError
from arena.studies.executors import execute
from arena.studies.plan import Job
from arena.studies.engines.local import LocalEngine

RES = (64, 128)


def gpu_job(spec: str, device: str = "cuda:1") -> Job:
    return Job("bench", (spec,), RES, bench={"device": device}, threads=1, study="t")


def test_needs_gpu():
    assert gpu_job("a").needs_gpu and not gpu_job("a", "cpu").needs_gpu
    assert Job("train", ("a",), seed=0, train={"device": "cuda"}).needs_gpu
    assert not Job("profile", ("a",), RES).needs_gpu


def test_local_engine_runs_gpu_jobs_one_at_a_time_in_process(monkeypatch):
    running, log = [], []

    def fake_execute(job, device=None, **_options):
        running.append(job.label)
        log.append(len(running))  # how many run at once
        running.remove(job.label)
        return [{"spec": job.specs[0]}]

    monkeypatch.setattr("arena.studies.executors.execute", fake_execute)
    done = []
    LocalEngine(workers=2, threads=1).run([gpu_job("a"), gpu_job("b"), gpu_job("c")],
                                          on_rows=lambda job, rows: done.append(rows[0]["spec"]),
                                          on_failure=lambda job, e: pytest.fail(e))
    assert done == ["a", "b", "c"] and log == [1, 1, 1]  # in this process (the fake ran), in order, alone


class FakeRay(types.ModuleType):
    """Just enough of ray for RayEngine.run: a cluster with `gpus` GPUs that records each task's options."""

    def __init__(self, gpus: int):
        super().__init__("ray")
        self.gpus, self.submitted = gpus, []

    def is_initialized(self):
        return True

    def cluster_resources(self):
        return {"CPU": 4.0, **({"GPU": float(self.gpus)} if self.gpus else {})}

    def remote(self, fn):
        fake = self

        class Task:
            def options(self, **options):
                class Bound:
                    def remote(self, job, **kwargs):
                        ref = object()
                        fake.submitted.append((options, kwargs, ref))
                        return ref
                return Bound()
        return Task()

    def wait(self, refs, num_returns=1):
        return refs[:1], refs[1:]

    def get(self, ref):
        return [{"ok": True}]


def test_ray_gpu_tasks_get_one_gpu_a_fresh_worker_and_the_gpu_ray_chose(monkeypatch):
    from arena.studies.engines.ray import RayEngine

    fake = FakeRay(gpus=2)
    monkeypatch.setitem(sys.modules, "ray", fake)
    cpu_job = Job("profile", ("a",), RES, threads=1)
    RayEngine().run([gpu_job("a"), cpu_job], on_rows=lambda *a: None, on_failure=lambda job, e: pytest.fail(e))
    (gpu_options, gpu_kwargs, _), (cpu_options, cpu_kwargs, _) = fake.submitted
    assert gpu_options == {"num_cpus": 1, "num_gpus": 1, "max_calls": 1} and gpu_kwargs == {"device": "cuda"}
    assert cpu_options == {"num_cpus": 1, "num_gpus": 0} and cpu_kwargs == {}


def test_gpu_jobs_on_a_cluster_without_gpus_stop_before_submitting(monkeypatch):
    from arena.studies.engines.ray import RayEngine

    fake = FakeRay(gpus=0)
    monkeypatch.setitem(sys.modules, "ray", fake)
    with pytest.raises(ArenaError, match=r"2 job\(s\) need a GPU but this Ray cluster has none"):
        RayEngine().run([gpu_job("a"), gpu_job("b")], on_rows=lambda *a: None, on_failure=lambda *a: None)
    assert fake.submitted == []


def test_a_job_run_on_the_task_gpu_keeps_its_keys(monkeypatch):
    from arena.measure import bench

    seen = {}

    def fake_bench(cases, **kwargs):
        seen["device"] = cases[0].protocol.device
        return ["result"]

    monkeypatch.setattr(bench, "bench", fake_bench)
    monkeypatch.setattr(bench, "to_row", lambda r: {"protocol": {}})
    job = gpu_job("fast_scnn", "cuda:1")
    (row,) = execute(job.to_dict(), device="cuda")
    assert seen["device"] == "cuda" and row["job_key"] == job.keys()[0]
