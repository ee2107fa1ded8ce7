"""Files written whole or not at all: a temporary file in the target folder, then os.replace.

Used for every file a reader must never see half-written: checkpoints, converted weights, JSON
records (run rows, caches), the failure log when it is rewritten.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def _write(path: str | os.PathLike, fill) -> Path:
    """Call `fill(binary file)` on a temporary file beside `path`, then move it into place; on any
    error nothing is left behind and an old file stays intact."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """`torch.save(obj, path)`, atomically."""
    import torch

    return _write(path, lambda f: torch.save(obj, f))


def write_text(path: str | os.PathLike, text: str) -> Path:
    """A text file (UTF-8), atomically."""
    return _write(path, lambda f: f.write(text.encode("utf-8")))


def write_json(path: str | os.PathLike, obj: Any, indent: int | None = 2, sort_keys: bool = False) -> Path:
    """A JSON file, atomically (non-JSON values written as their str)."""
    import json

    return write_text(path, json.dumps(obj, indent=indent, default=str, sort_keys=sort_keys))
