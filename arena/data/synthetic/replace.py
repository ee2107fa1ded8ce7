"""A dataset folder is written whole: never over another dataset, never as a mixture of two runs.

`arena data synth` refuses an output folder that holds anything (with `--split`, that split's
`leftImg8bit/<split>` and `gtFine/<split>`) unless `--overwrite`; then the new scenes are written
into a temporary folder beside it and swapped in only once all of them are written, so a failure
half-way leaves the old dataset as it was, and a finished one holds no scene of the old.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from arena.errors import ArenaError

LAYOUT = ("leftImg8bit", "gtFine")


def _parts(split: str | None) -> list[Path]:
    """What one write replaces, relative to the root: all of it, or one split's two folders."""
    return [Path(".")] if split is None else [Path(top) / split for top in LAYOUT]


def _taken(root: Path, split: str | None) -> list[Path]:
    return [root / p for p in _parts(split) if (root / p).is_dir() and any((root / p).iterdir())]


def check_free(root: str | Path, split: str | None, overwrite: bool) -> None:
    """Refuse a folder that already holds a dataset (or the split), unless `overwrite`."""
    taken = _taken(Path(root), split)
    if taken and not overwrite:
        what = "a dataset split" if split else "files"
        raise ArenaError(f"{taken[0]} already holds {what}: pass --overwrite to replace it whole, or another --out")


@contextlib.contextmanager
def staged(root: str | Path, split: str | None) -> Iterator[Path]:
    """The folder to write into: `root` itself when nothing is there, else a temporary twin swapped in at the end."""
    root = Path(root)
    if not _taken(root, split):
        yield root
        return
    tmp = Path(tempfile.mkdtemp(dir=root.absolute().parent, prefix=f".{root.name}.new-"))
    try:
        yield tmp
        for part in _parts(split):
            old, new = root / part, tmp / part
            if part == Path("."):
                shutil.rmtree(old)
                new.rename(old)
            else:
                old.parent.mkdir(parents=True, exist_ok=True)
                shutil.rmtree(old, ignore_errors=True)
                new.rename(old)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
