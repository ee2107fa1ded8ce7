"""torch.save without half-written files: a temporary file in the target folder, then os.replace."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """Save `obj` at `path` atomically: on any error nothing is left behind and an old file stays intact."""
    import torch

    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
