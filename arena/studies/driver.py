"""The study driver: plan, skip what the results store already holds, run the rest on an engine.

Only this process writes the store: engines hand rows back (`on_rows`) and the driver appends them,
so worker processes and Ray tasks never write files. Rows carry the arena version and commit;
`rerun_stale` reruns rows made by other code. A failed job is recorded in the store's failure log
with its error and retried only on request.

A job runs through `executors.execute` (one function per kind, each returning the job's rows), in
this process or in an engine's worker: engines import the executors, never the driver.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arena.store import Store
from arena.studies.executors import EXECUTORS, execute  # noqa: F401 - the driver's job runners, re-exported
from arena.studies.plan import Job, Plan, expand
from arena.studies.schema import Study, StudyError


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
    problems = preflight(todo, study.specs)
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
                               "not_applicable": [(n, str(s), why) for n, s, why in plan.not_applicable], "engine": engine.describe(),
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
