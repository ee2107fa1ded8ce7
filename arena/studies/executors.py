"""How one job runs, in any process: `EXECUTORS[job.kind]` returns the job's rows, `execute` tags them.

The engines (local processes, Ray tasks) call `execute`; the driver plans and writes, and the engines
never import it back. Nothing here writes a file: rows are returned to the driver.
"""
from __future__ import annotations

from typing import Any, Callable

from arena.studies.plan import Job
from arena.studies.schema import StudyError


def _profile(job: Job) -> list[dict[str, Any]]:
    from arena.measure.profile import profile, to_row

    return [to_row(profile(job.specs[0], job.res))]


def _bench(job: Job) -> list[dict[str, Any]]:
    from arena.measure import bench

    protocol = bench.Protocol(threads=job.threads, **job.bench)
    return [bench.to_row(r) for r in bench.bench([bench.Case(spec, job.res, protocol) for spec in job.specs])]


def _train(job: Job, on_log=None) -> list[dict[str, Any]]:
    """A training run in a scratch folder (its checkpoints are not kept: the row is the record); with
    `job.evaluate`, its weights evaluated in each mode before the folder goes (eval rows after the row)."""
    import tempfile

    from arena.checks import parse_res
    from arena.train.loop import TrainConfig, train

    options = dict(job.train)
    crop = options.pop("crop", None)
    with tempfile.TemporaryDirectory() as scratch:
        run = train(TrainConfig(job.specs[0], seed=job.seed, threads=job.threads, out=scratch,
                                crop=parse_res(crop) if crop else None, **options), on_log=on_log)
        evals = []
        if job.evaluate:
            from arena.checks import cpu_count
            from arena.train.deploy import evaluate_run

            evals = evaluate_run(job.specs[0], run.folder, [tuple(m) for m in job.evaluate],
                                 threads=job.threads or cpu_count())
    run.row["metrics"].pop("run_dir", None)  # the scratch folder is gone
    for row in evals:
        row["protocol"]["source"]["run"] = None  # likewise: the train row (same job, seed) is the record
    return [run.row, *evals]


EXECUTORS: dict[str, Callable[[Job], list[dict[str, Any]]]] = {"profile": _profile, "bench": _bench, "train": _train}


def execute(job: Job | dict[str, Any], device: str | None = None, on_log=None) -> list[dict[str, Any]]:
    """Run one job (in any process) and return its rows, tagged with the job's key and study.

    `device` runs the job there instead of on the device it names (a Ray task sees only the GPU Ray
    gave it, as cuda:0); its rows keep the job's keys and record the device that ran. `on_log` gets a
    training job's iteration reports (in-process runs only: the CLI's per-job bar)."""
    import dataclasses

    import torch

    if isinstance(job, dict):
        job = Job(**{**job, "specs": tuple(job["specs"]), "res": tuple(job["res"]) if job.get("res") else None,
                     "evaluate": tuple(tuple(m) for m in job.get("evaluate", ()))})
    keys = job.keys()
    if device is not None and job.needs_gpu:
        job = dataclasses.replace(job, bench={**job.bench, "device": device} if job.bench else {},
                                  train={**job.train, "device": device} if job.train else {})
    if job.kind not in EXECUTORS:
        raise StudyError(f"unknown job kind {job.kind!r}")
    if job.threads:
        torch.set_num_threads(job.threads)
    rows = EXECUTORS[job.kind](job, on_log) if job.kind == "train" and on_log else EXECUTORS[job.kind](job)
    for row, key in zip(rows, keys):
        row["job_key"], row["study"] = key, job.study
        row["protocol"]["job_threads"] = job.threads
        if job.kind == "bench":
            row["protocol"]["timed_with"] = sorted(job.specs)
    return rows
