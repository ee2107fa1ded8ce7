"""The local engine: jobs in this process, or in N worker processes (spawned, threads set explicitly).

Why spawn: a forked child inherits torch's thread pools and any CUDA context half-made; a spawned
one starts clean. Each worker runs one job at a time with `threads` CPU threads, recorded in its
rows. A job that raises is reported as failed (the driver records it); a worker that dies takes the
pool down, and the run stops with what is left to do, to be finished by running it again.

Jobs on a GPU (bench or training on cuda) never share it: with N workers they run one at a time in
this process after the pool's CPU jobs, since two benches on one GPU time each other.
"""
from __future__ import annotations

from typing import Callable

from arena.checks import cpu_count
from arena.studies.engines.interface import StudyInterrupted


def _worker_init(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


class LocalEngine:
    name = "local"

    def __init__(self, workers: int = 1, threads: int | None = None):
        from arena.errors import ArenaError

        if workers < 1:
            raise ArenaError(f"--workers must be >= 1, got {workers}")
        self.workers = workers
        self.threads = threads or max(1, cpu_count() // workers)

    def describe(self) -> dict:
        return {"engine": self.name, "workers": self.workers, "threads_per_worker": self.threads}

    def run(self, jobs, on_rows: Callable, on_failure: Callable, on_progress: Callable | None = None,
            on_log: Callable | None = None) -> None:
        """Jobs in order (pooled ones first when workers > 1); `on_log` sees in-process training jobs."""
        from arena.studies.executors import execute

        jobs = [j if j.threads else _with_threads(j, self.threads) for j in jobs]
        pooled = [j for j in jobs if not j.needs_gpu] if self.workers > 1 else []
        serial = [j for j in jobs if j not in pooled]
        if pooled:
            self._pool(pooled, on_rows, on_failure, on_progress, total=len(jobs))
        for i, job in enumerate(serial, start=len(pooled)):
            if on_progress:
                on_progress(i, len(jobs), job.label)
            try:
                rows = execute(job, on_log=on_log)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 - a failed job is recorded, the study goes on
                on_failure(job, f"{type(e).__name__}: {e}")
                continue
            on_rows(job, rows)

    def _pool(self, jobs, on_rows: Callable, on_failure: Callable, on_progress: Callable | None, total: int) -> None:
        import concurrent.futures as cf
        import multiprocessing as mp
        from concurrent.futures.process import BrokenProcessPool

        from arena.studies.executors import execute

        done = 0
        with cf.ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                                    initargs=(self.threads,)) as pool:
            futures = {pool.submit(execute, job.to_dict()): job for job in jobs}
            try:
                for future in cf.as_completed(futures):
                    job = futures[future]
                    done += 1
                    if on_progress:
                        on_progress(done, total, job.label)
                    try:
                        rows = future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as e:  # noqa: BLE001
                        on_failure(job, f"{type(e).__name__}: {e}")
                        continue
                    on_rows(job, rows)
            except BrokenProcessPool:
                left = sum(not f.done() or f.exception() is not None for f in futures)
                raise StudyInterrupted(f"a worker process died: {left} job(s) did not finish; the finished rows "
                                       "are saved, run the same command again to do the rest") from None


def _with_threads(job, threads: int):
    import dataclasses

    return dataclasses.replace(job, threads=threads)
