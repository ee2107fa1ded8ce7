"""The study driver: plan, skip what the results store already holds, run the rest on an engine.

Only this process writes the store: engines hand rows back (`on_rows`) and the driver appends them,
so worker processes and Ray tasks never write files. Rows carry the arena version and commit;
`rerun_stale` reruns rows made by other code. A failed job is recorded in the store's failure log
with its error and retried only on request.

A job runs through `EXECUTORS[job.kind]`: one function per kind, each returning the job's rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from arena.store import Store
from arena.studies.plan import Job, Plan, expand
from arena.studies.spec import Study, StudyError


def _profile(job: Job) -> list[dict[str, Any]]:
    from arena.measure.profile import profile, to_row

    return [to_row(profile(job.specs[0], job.res))]


def _bench(job: Job) -> list[dict[str, Any]]:
    from arena.measure import bench

    protocol = bench.Protocol(threads=job.threads, **job.bench)
    return [bench.to_row(r) for r in bench.bench([bench.Case(spec, job.res, protocol) for spec in job.specs])]


def _train(job: Job, on_log=None) -> list[dict[str, Any]]:
    """A training run in a scratch folder (its checkpoints are not kept: the row is the record)."""
    import tempfile

    from arena.checks import parse_res
    from arena.train.loop import TrainConfig, train

    options = dict(job.train)
    crop = options.pop("crop", None)
    with tempfile.TemporaryDirectory() as scratch:
        run = train(TrainConfig(job.specs[0], seed=job.seed, threads=job.threads, out=scratch,
                                crop=parse_res(crop) if crop else None, **options), on_log=on_log)
    run.row["metrics"].pop("run_dir", None)  # the scratch folder is gone
    return [run.row]


EXECUTORS: dict[str, Callable[[Job], list[dict[str, Any]]]] = {"profile": _profile, "bench": _bench, "train": _train}


def execute(job: Job | dict[str, Any], device: str | None = None, on_log=None) -> list[dict[str, Any]]:
    """Run one job (in any process) and return its rows, tagged with the job's key and study.

    `device` runs the job there instead of on the device it names (a Ray task sees only the GPU Ray
    gave it, as cuda:0); its rows keep the job's keys and record the device that ran. `on_log` gets a
    training job's iteration reports (in-process runs only: the CLI's per-job bar)."""
    import dataclasses

    import torch

    if isinstance(job, dict):
        job = Job(**{**job, "specs": tuple(job["specs"]), "res": tuple(job["res"]) if job.get("res") else None})
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


@dataclass
class StudyRun:
    """What a study did: the summary (plain data, what the CLI prints) and the plan it ran."""

    summary: dict[str, Any]
    plan: Plan


def run_study(study: Study, engine, out, *, retry_failed: bool = False, rerun_stale: bool = False,
              dry_run: bool = False, on_progress=None, on_estimating=None, on_plan=None, on_log=None) -> StudyRun:
    """Expand once, skip what is done, check and estimate the rest, then run it on `engine`.

    Before any job runs, every job is checked (`plan.preflight`: one StudyError listing what cannot
    run) and estimated (`estimate.job_seconds`); `on_plan(summary)` sees the plan then and may stop
    the study by raising (the CLI prints it and applies its budget). Only this process appends rows.
    """
    from arena.studies.estimate import job_seconds
    from arena.studies.plan import device_of, preflight

    store = out if isinstance(out, Store) else Store(out)
    store.check_writable()  # probed, not made: a study refused below leaves nothing
    plan = expand(study)
    done = store.done(rerun_stale=rerun_stale)
    failed = store.failures()
    todo, skipped, held = [], [], []
    for job in plan.jobs:
        keys = job.keys()
        if all(k in done for k in keys):
            skipped.append(job)
        elif any(k in failed for k in keys) and not retry_failed:
            held.append((job, next(failed[k] for k in keys if k in failed)))
        else:
            todo.append(job)
    connect = getattr(engine, "connect", None)  # a cluster that cannot be joined: one line before any work
    if connect and todo and not dry_run:
        connect()
    problems = preflight(todo)
    if problems:
        label, reason = problems[0]
        more = f" (and {len(problems) - 1} more jobs)" if len(problems) > 1 else ""
        raise StudyError(f"{label} cannot run: {reason}{more}; nothing was run")
    if on_estimating:  # every job checked: what follows (the timing probes) takes a while the first time
        on_estimating()
    threads = engine.describe().get("threads_per_worker")
    estimates = [(j.label, job_seconds(j, device_of(j), threads)) for j in todo]
    summary: dict[str, Any] = {"study": study.name, "jobs": len(plan.jobs), "skipped": len(skipped),
                               "to_run": len(todo), "held_failed": [(j.label, e) for j, e in held],
                               "not_applicable": plan.not_applicable, "engine": engine.describe(),
                               "out": str(store.folder), "plan": [label for label, _ in estimates],
                               "estimates_s": [s for _, s in estimates],
                               "estimated_s": sum(s for _, s in estimates) / max(1, getattr(engine, "workers", 1))}
    if dry_run:
        return StudyRun(summary, plan)
    if on_plan:
        on_plan(summary)
    if retry_failed:
        store.clear_failures({k for j in todo for k in j.keys()})
    written, failures = [], []

    def on_rows(job: Job, rows: list[dict[str, Any]]) -> None:
        fresh = [r for r in rows if r["job_key"] not in done]  # a rerun job never duplicates a finished row
        store.append(fresh)
        done.update(r["job_key"] for r in fresh)
        written.extend(fresh)

    def on_failure(job: Job, error: str) -> None:
        store.record_failure(job.to_dict(), job.keys(), error)
        failures.append((job.label, error))

    engine.run(todo, on_rows, on_failure, on_progress, **({"on_log": on_log} if on_log else {}))
    summary.update(rows_written=len(written), failed=failures)
    return StudyRun(summary, plan)
