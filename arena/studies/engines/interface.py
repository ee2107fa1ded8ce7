"""What every engine does: `run(jobs, on_rows, on_failure, on_progress)`, and `describe()` for the summary;
an engine that joins something (Ray) also has `connect()`, which the driver calls before planning.

`on_rows(job, rows)` is called in the driver for each finished job (the driver alone writes the
results store), `on_failure(job, error)` for a job that raised, `on_progress(done, total, label)`
as jobs start or finish, and `on_log(report)` (optional, in-process engines) a training job's
iteration reports. An engine that cannot go on (a worker process died) raises StudyInterrupted after
handing back every row it has.
"""
from __future__ import annotations

from arena.errors import ArenaError


class StudyInterrupted(ArenaError):
    """The run stopped before every job finished; finished rows are kept, a rerun does the rest."""
