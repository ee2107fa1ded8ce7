"""Engines run a study's jobs and hand each job's rows back to the driver, which alone writes them.

One small interface (interface.py): `engine.run(jobs, on_rows, on_failure, on_progress)`. `local` runs in this
process or in N spawned worker processes; `ray` runs Ray core tasks on a cluster (an optional extra).
"""
from __future__ import annotations

from arena.errors import ArenaError

ENGINES = ("local", "ray")


def get_engine(name: str, *, workers: int = 1, address: str | None = None, threads: int | None = None):
    if name == "local":
        from arena.studies.engines.local import LocalEngine

        return LocalEngine(workers=workers, threads=threads)
    if name == "ray":
        from arena.studies.engines.ray import RayEngine

        return RayEngine(address=address, workers=workers, threads=threads)
    raise ArenaError(f"unknown engine {name!r}: choose from {', '.join(ENGINES)}")

