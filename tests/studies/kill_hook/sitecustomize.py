"""Test double, loaded by worker processes only when a test puts this folder on PYTHONPATH: the job
named by ARENA_TEST_KILL_JOB kills its worker (os._exit), a crash nothing in the pool can catch."""
import os

_victim = os.environ.get("ARENA_TEST_KILL_JOB")
if _victim:
    import multiprocessing

    from arena.studies import executors

    def _kill_when_named(job, _real=executors.execute):
        as_job = executors.Job(**{**job, "specs": tuple(job["specs"]), "res": tuple(job["res"]) if job.get("res") else None})
        if as_job.label == _victim and multiprocessing.parent_process() is not None:
            os._exit(1)
        return _real(job)

    executors.execute = _kill_when_named
