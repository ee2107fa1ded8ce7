"""The one reader of JSON lines arena did not just write itself: result rows, the failure log.

A results folder is shared, copied, edited by hand and damaged by crashes, so every line is
untrusted: bytes are decoded leniently (invalid UTF-8 becomes U+FFFD, never an exception), each
line is parsed with a nesting limit (a 100,000-deep line is refused, not a RecursionError), and
the caller's `check` validates its shape (the types of the fields it uses) before anything uses it.
A bad line is skipped with ONE warning line, `file:line: <what> skipped (<reason>)`; `read` returns
how many it skipped, so a report that changed because of them can say so.
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, Callable

MAX_DEPTH = 32  # deeper than any row arena writes (about 5)
MAX_LINE = 64 << 20  # bytes: a longer line is not a row


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of parsed JSON (iterative: no recursion to exhaust); stops counting past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse(raw: bytes, limit: int = MAX_DEPTH) -> Any:
    """One line's JSON value; ValueError with a short reason for anything else."""
    if len(raw) > MAX_LINE:
        raise ValueError(f"a line of {len(raw)} bytes")
    text = raw.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {limit} levels") from None
    except ValueError as e:
        raise ValueError(f"not JSON: {str(e).splitlines()[0]}") from None
    if depth(value, limit) > limit:
        raise ValueError(f"nested deeper than {limit} levels")
    return value


def read(path: str | os.PathLike, check: Callable[[Any], str | None] | None = None,
         what: str = "line") -> tuple[list[Any], int]:
    """(the values of the good lines, in order; how many lines were skipped), each skip warned once."""
    values, skipped = [], 0
    try:
        with open(path, "rb") as f:
            lines = list(f)
    except OSError as e:
        warnings.warn(f"{path}: cannot read it ({e.strerror or e}); skipped", stacklevel=2)
        return [], 1
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            value = parse(raw)
            problem = check(value) if check else None
        except ValueError as e:
            problem = str(e)
        if problem:
            skipped += 1
            warnings.warn(f"{path}:{lineno}: {what} skipped ({problem})", stacklevel=2)
            continue
        values.append(value)
    return values, skipped
