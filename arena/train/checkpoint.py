"""Checkpoints written atomically (a temporary file in the same folder, then os.replace), and the
random states a bit-exact resume needs."""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

LAST = "last.pt"


def rng_state() -> dict[str, Any]:
    import numpy as np
    import torch

    state = {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """torch.save to a temporary file beside `path`, then rename: a crash never leaves half a checkpoint."""
    from arena import atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic.torch_save(state, path)


def load(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The last checkpoint of a run folder, or one clear error."""
    import torch

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ArenaError(f"--resume {run_dir}: no such run folder (pass the folder a run wrote, e.g. runs/<name>)")
    path = run_dir / LAST
    if not path.is_file():
        raise ArenaError(f"--resume {run_dir}: the folder holds no checkpoint ({LAST}); "
                         "it was not written by `arena train`, or the run stopped before its first checkpoint")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)  # our own file: RNG states are objects
    except Exception as e:  # noqa: BLE001 - a damaged file is the user's to know about, in one line
        raise ArenaError(f"--resume {run_dir}: cannot read {path} ({type(e).__name__}); "
                         "the checkpoint is damaged") from None
