"""The console, JSON output and progress bars every command shares.

Piped output (not a terminal) is laid out at the table's natural width instead of the 80 columns
rich assumes, so `arena verify | cat` keeps every column. Progress goes to stderr, never stdout,
so a piped `--json` stays machine-readable.
"""
from __future__ import annotations

import contextlib
import json
import math
import sys
from typing import Any, Iterator

from rich.console import Console

WIDE = 10_000  # columns when not a terminal: wide enough that nothing is cut or folded


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(stderr=stderr, width=None if tty else WIDE, highlight=False)


def strict(value: Any) -> Any:
    """`value` with every NaN or infinity (an undefined figure) as null: strict JSON has neither,
    and a bare `NaN` token breaks every other reader. Tuples become lists, as json writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        try:
            return strict(value.item())
        except (TypeError, ValueError):
            return value
    return value


def print_json(data: Any) -> None:
    """One strict JSON document on stdout (rows, descriptions), for scripts: NaN written as null."""
    sys.stdout.write(json.dumps(strict(data), indent=None, default=str, allow_nan=False) + "\n")


@contextlib.contextmanager
def progress(label: str, total: int | None = None) -> Iterator:
    """A transient progress bar on stderr; yields `step(description, advance=1)`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def step(description: str | None = None, advance: int = 1, completed: int | None = None) -> None:
            bar.update(task, description=f"{label} {description}" if description else label,
                       advance=None if completed is not None else advance, completed=completed)
        yield step




@contextlib.contextmanager
def job_progress(label: str) -> Iterator:
    """Yields `on_progress(done, total, what)` for a study's jobs: the transient bar on a terminal,
    else one plain line per job on stderr (`demo [3/12] train fast_scnn seed 0`), as `ablate` and
    `run` print, so a log of a minutes-long run is never silent."""
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        def line(done: int, total: int, what: str) -> None:
            sys.stderr.write(f"{label} [{done + 1}/{total}] {what}\n")
            sys.stderr.flush()
        yield line
        return
    with progress(label) as step:
        yield lambda done, total, what: step(what, advance=0)
