"""Checkpoints: written atomically, read without running code, resumed only where they fit.

What a checkpoint holds is tensors and plain data only (dicts, lists, numbers, strings): the model,
optimiser and grad-scaler state, the iteration, the curve, the config, the setting it trained under,
and the random states of every rank (`{"ranks": [rank 0's, rank 1's, ...]}`: torch's and CUDA's as
byte tensors, Python's and NumPy's as lists and numbers). So it loads with
``torch.load(..., weights_only=True)``, which refuses any pickled object: a run folder from
someone else (a shared results store, a cluster's file system, a download) cannot execute code.

A resume must run where the run ran: the same kind of device, AMP, channels_last and world size
(a grad scaler saved disabled cannot be loaded enabled, and another device or layout changes the
arithmetic); anything else is refused in one line that says how the run was started.
"""
from __future__ import annotations

import os
import pickle
import random
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

LAST = "last.pt"
SETTING_KEYS = ("device_type", "amp", "channels_last", "world")


# -- random states as tensors and plain data ---------------------------------------------------------
def rng_state() -> dict[str, Any]:
    """This process's random states (torch, CUDA, Python, NumPy), as tensors and plain data."""
    import numpy as np
    import torch

    version, words, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "python": [version, list(words), gauss],
             "numpy": [name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)]}
    if torch.cuda.is_available():
        state["cuda"] = list(torch.cuda.get_rng_state_all())
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    torch.set_rng_state(state["torch"])
    version, words, gauss = state["python"]
    random.setstate((version, tuple(words), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# -- writing and reading -----------------------------------------------------------------------------
def save(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """torch.save to a temporary file beside `path`, then rename: a crash never leaves half a checkpoint."""
    from arena import atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic.torch_save(state, path)


def load(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The last checkpoint of a run folder (tensors and plain data only), or one clear error."""
    import torch

    from arena.checks import writable_folder

    run_dir = Path(run_dir)
    if run_dir.is_file():
        raise ArenaError(f"--resume {run_dir}: it is a file, not a run folder (pass the folder a run wrote, "
                         f"e.g. runs/<name>, not its {run_dir.name})")
    if run_dir.exists() and not run_dir.is_dir():
        raise ArenaError(f"--resume {run_dir}: it is not a folder (a device, FIFO or socket), not a run folder "
                         "(pass the folder a run wrote, e.g. runs/<name>)")
    if not run_dir.is_dir():
        raise ArenaError(f"--resume {run_dir}: no such run folder (pass the folder a run wrote, e.g. runs/<name>)")
    try:  # the resumed run writes its checkpoints and row there: refused now, not after training
        writable_folder(run_dir, "the resumed run", create=False)
    except ArenaError:
        raise ArenaError(f"--resume {run_dir}: the run folder is not writable, and a resumed run saves there "
                         "(copy the run folder somewhere writable and resume the copy)") from None
    path = run_dir / LAST
    if not path.is_file():
        raise ArenaError(f"--resume {run_dir}: the folder holds no checkpoint ({LAST}); "
                         "it was not written by `arena train`, or the run stopped before its first checkpoint")
    import warnings

    try:
        with warnings.catch_warnings():  # torch's notes on the file's format: the refusals below say it
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ArenaError(f"--resume {run_dir}: {path} holds objects other than tensors and plain data, and loading "
                         "it could run code: refused (resume only runs written by this version of `arena train`)"
                         ) from None
    except Exception as e:  # noqa: BLE001 - a damaged file is the user's to know about, in one line
        raise ArenaError(f"--resume {run_dir}: cannot read {path} ({type(e).__name__}); "
                         "the checkpoint is damaged") from None
    if not isinstance(state, dict) or not {"model", "optimizer", "scaler", "iteration", "rng", "config"} <= set(state):
        raise ArenaError(f"--resume {run_dir}: {path} is not a checkpoint of `arena train` (keys missing)")
    return state


# -- resuming where the run ran ----------------------------------------------------------------------
def setting_of(config: dict[str, Any], world: int = 1) -> dict[str, Any]:
    """The setting a config trains under: device kind, AMP and channels_last as resolved, world size."""
    cuda = str(config.get("device", "cpu")).startswith("cuda")
    amp = cuda if config.get("amp") is None else bool(config["amp"])
    channels_last = cuda if config.get("channels_last") is None else bool(config["channels_last"])
    return {"device_type": "cuda" if cuda else "cpu", "amp": amp, "channels_last": channels_last, "world": world}


def _describe(s: dict[str, Any]) -> str:
    return (f"{s['device_type']}, AMP {'on' if s['amp'] else 'off'}, channels_last {'on' if s['channels_last'] else 'off'}"
            f", {s['world']} process{'es' if s['world'] > 1 else ''}")


def _flags(s: dict[str, Any]) -> str:
    return (f"--device {s['device_type']} --{'' if s['amp'] else 'no-'}amp"
            + (f" under torchrun --nproc-per-node {s['world']}" if s["world"] > 1 else ""))


def check_resumable(state: dict[str, Any], run_dir: str, config: dict[str, Any], world: int) -> None:
    """One line when the checkpoint's run was started with other settings or in another setting."""
    import json

    keys = ("spec", "data", "schedule", "seed", "iters", "batch", "crop", "swaps", "clip_grad", "ohem", "pretrained")
    mine = {k: config.get(k) for k in keys}
    theirs = {k: state["config"].get(k) for k in keys}
    if json.loads(json.dumps(mine)) != json.loads(json.dumps(theirs)):
        diff = ", ".join(f"{k}: {theirs[k]!r} there, {mine[k]!r} here" for k in keys if mine[k] != theirs[k])
        raise ArenaError(f"--resume {run_dir}: that run was started with other settings ({diff})")
    there = state.get("setting") or setting_of(state["config"])
    here = setting_of(config, world)
    if any(there[k] != here[k] for k in SETTING_KEYS):
        raise ArenaError(f"--resume {run_dir}: that run trained on {_describe(there)}; this one asks for "
                         f"{_describe(here)}: resume it with {_flags(there)}, or start a new run")


def rank_rng(state: dict[str, Any], rank: int) -> dict[str, Any]:
    """This rank's random states from a checkpoint."""
    return state["rng"]["ranks"][rank]


__all__ = ["LAST", "check_resumable", "load", "rank_rng", "rng_state", "save", "set_rng_state", "setting_of"]
