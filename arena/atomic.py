"""Files written whole or not at all: a temporary file in the target folder, then os.replace.

Used for every file a reader must never see half-written: checkpoints, converted weights, JSON
records (run rows, caches), the failure log when it is rewritten. `append_lines` is the other way
to write: whole lines added to a JSONL file, checked byte for byte (a full disk, an I/O error or a
short write ends in `WriteFailed`, one line, with the file truncated back to its previous length).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from arena.errors import WriteFailed

# the one call that puts bytes in an appended file: tests inject a writer that fills up or fails
_os_write: Callable[[int, bytes], int] = os.write


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def _fix(path: Path) -> str:
    return f"free some space on {path.parent}, or write elsewhere with --out DIR"

def _write(path: str | os.PathLike, fill) -> Path:
    """Call `fill(binary file)` on a temporary file beside `path`, then move it into place; on any
    error nothing is left behind and an old file stays intact."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise WriteFailed(f"cannot write {path}: {_reason(e)} ({_fix(path)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, WriteFailed):
            raise
        raise WriteFailed(f"cannot write {path}: {_reason(e)}; the previous file, if any, is intact "
                          f"({_fix(path)})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """`torch.save(obj, path)`, atomically."""
    import torch

    return _write(path, lambda f: torch.save(obj, f))


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """A binary file, atomically."""
    return _write(path, lambda f: f.write(data))


def write_text(path: str | os.PathLike, text: str) -> Path:
    """A text file (UTF-8), atomically."""
    return _write(path, lambda f: f.write(text.encode("utf-8")))


def write_json(path: str | os.PathLike, obj: Any, indent: int | None = 2, sort_keys: bool = False) -> Path:
    """A JSON file, atomically (non-JSON values written as their str)."""
    import json

    return write_text(path, json.dumps(obj, indent=indent, default=str, sort_keys=sort_keys))


def append_lines(path: str | os.PathLike, lines: list[str]) -> Path:
    """Append whole lines to `path` (made if absent), each with ONE write on an O_APPEND file, then fsync.

    Each write's byte count is checked: a short write, ENOSPC, EIO (or any OSError) truncates the file
    back to the length it had before this call, so no half line and no partial batch is left, and
    raises `WriteFailed` naming the file and the cause. A line a crash left unterminated is never
    glued to: the first new line starts on a fresh one.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as e:
        raise WriteFailed(f"cannot append to {path}: {_reason(e)} ({_fix(path)})") from None
    try:
        before = os.fstat(fd).st_size
        needs_newline = before > 0 and _last_byte(path, before) != b"\n"
        for line in lines:
            data = (("\n" if needs_newline else "") + line.rstrip("\n") + "\n").encode("utf-8")
            needs_newline = False
            try:
                written = _os_write(fd, data)
                if written != len(data):
                    raise OSError(f"short write, {written} of {len(data)} bytes (the disk is probably full)")
                os.fsync(fd)
            except OSError as e:
                restored = _truncate(fd, before)
                raise WriteFailed(f"cannot append to {path}: {_reason(e)}; "
                                  + ("the file is back as it was" if restored else
                                     "the file could not be truncated back, its last line is damaged")
                                  + f" ({_fix(path)})") from None
    finally:
        os.close(fd)
    return path


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(size - 1)
        return f.read(1)


def _truncate(fd: int, length: int) -> bool:
    try:
        os.ftruncate(fd, length)
        os.fsync(fd)
        return True
    except OSError:
        return False
