"""Trained weights for `arena eval`: a run folder (its last.pt) or a weights file, read without running code.

Why its own module: evaluating a deployment mode is only meaningful on the weights a run trained, and
weights of another network or class count must be refused before anything is exported or timed.
Files load with ``torch.load(weights_only=True)`` (tensors and plain data only): a weights file from
elsewhere cannot execute code.
"""
from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

LAST = "last.pt"  # arena.train.checkpoint.LAST, named here to keep the trainer out of this import


def read_source(weights: str) -> dict[str, Any]:
    """{"state": state dict, "spec", "run", "file", "iteration", "data", "crop", "val_images", "seed"} of a
    run folder or a file (a checkpoint of `arena train` or a bare state dict); the unknown ones None."""
    import torch

    path = Path(weights)
    run = path if path.is_dir() else None
    file = path / LAST if run else path
    if not file.is_file():
        what = "the run folder holds no last.pt (the run stopped before its first checkpoint)" if run else \
            "no such file or run folder"
        raise ArenaError(f"--weights {weights}: {what}; pass a run folder of `arena train` or a .pt file")
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ArenaError(f"--weights {weights}: {file.name} holds objects other than tensors and plain data, and "
                         "loading it could run code: refused (save a state_dict)") from None
    except Exception as e:  # noqa: BLE001 - a damaged file, in one line
        raise ArenaError(f"--weights {weights}: cannot read {file} ({type(e).__name__}): the file is damaged") from None
    source: dict[str, Any] = {"run": str(run) if run else None, "file": str(file), "spec": None, "iteration": None,
                              "data": None, "crop": None, "val_images": None, "seed": None}
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        config, schedule = state.get("config") or {}, state.get("schedule") or {}
        source.update(spec=state.get("spec"), iteration=state.get("iteration"), data=config.get("data"),
                      seed=config.get("seed"), crop=tuple(schedule["crop"]) if schedule.get("crop") else None,
                      val_images=schedule.get("val_images"))
        state = state["model"]
    elif run and (run / "config.json").is_file():  # pragma: no cover - a run folder always holds a checkpoint dict
        config = json.loads((run / "config.json").read_text())
        source.update(spec=config.get("spec"))
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ArenaError(f"--weights {weights}: {file.name} is neither a checkpoint of `arena train` nor a state dict")
    source["state"] = state
    return source


def load_into(net, source: dict[str, Any], weights: str) -> None:
    """Load `source`'s weights into `net`, or one line saying whose weights they are."""
    if source["spec"] and source["spec"] != net.canonical:
        raise ArenaError(f"--weights {weights} are {source['spec']}'s, not {net.canonical}'s: "
                         f"evaluate {source['spec']}, or pass {net.canonical}'s weights")
    own = net.state_dict()
    state = source["state"]
    missing, extra = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    if missing or extra:
        key = (missing or extra)[0]
        raise ArenaError(f"--weights {weights} do not fit {net.canonical}: {len(missing)} tensor(s) missing "
                         f"({'e.g. ' + key if missing else 'none'}), {len(extra)} unexpected: another network's weights")
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(own[key].shape):
            if tensor.dim() >= 1 and own[key].dim() >= 1 and own[key].shape[0] == net.classes \
                    and tuple(tensor.shape[1:]) == tuple(own[key].shape[1:]):
                raise ArenaError(f"--weights {weights} predict {tensor.shape[0]} classes, {net.canonical} "
                                 f"{net.classes}: evaluate {net.resolved.base}[classes={tensor.shape[0]}]")
            raise ArenaError(f"--weights {weights} do not fit {net.canonical}: {key} is {tuple(tensor.shape)}, "
                             f"the network's {tuple(own[key].shape)}")
    net.load_state_dict(state, strict=True)


__all__ = ["LAST", "load_into", "read_source"]
