"""Where arena keeps what it measured about this machine between runs (device peaks, study estimates).

One folder, each cache its own file in it: ``$ARENA_CACHE_DIR``, else ``$XDG_CACHE_HOME/arena``
(an absolute path only, as the XDG spec asks), else ``~/.cache/arena``. Nothing is created here:
each cache writes its own file, atomically, when it has something to keep.
"""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if os.environ.get("ARENA_CACHE_DIR"):
        return Path(os.environ["ARENA_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "arena"
