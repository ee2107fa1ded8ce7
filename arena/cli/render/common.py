"""The console, JSON output and progress bars every command shares.

Piped output (not a terminal) is laid out at the table's natural width instead of the 80 columns
rich assumes, so `arena verify | cat` keeps every column. Progress goes to stderr, never stdout,
so a piped `--json` stays machine-readable.
"""
from __future__ import annotations

import contextlib
import json
import sys
from typing import Any, Iterator

from rich.console import Console

WIDE = 10_000  # columns when not a terminal: wide enough that nothing is cut or folded


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(stderr=stderr, width=None if tty else WIDE, highlight=False)


def print_json(data: Any) -> None:
    """One JSON document on stdout (rows, descriptions), for scripts."""
    sys.stdout.write(json.dumps(data, indent=None, default=str) + "\n")


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


