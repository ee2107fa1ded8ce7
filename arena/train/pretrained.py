"""`--pretrained PATH`: a user's local backbone weights (a state dict) loaded into the backbone node.

No weights can be downloaded here, so this path exists for users who have an ImageNet checkpoint on
disk. Keys may be given as arena names (`nodes.<backbone>.<...>`), relative to the backbone node
(`layer1.0.conv1.0.weight`), or under the usual wrappers (`state_dict`, `model`, a `module.` or
`backbone.` prefix). Every key must land on a backbone tensor of the same shape and every backbone
tensor must be given, or nothing is loaded and one line names what does not fit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from arena.errors import ArenaError

SHOWN = 4


def _names(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (", ..." if len(items) > SHOWN else "")


def _unwrap(state: Any) -> dict:
    from arena.official import unwrap

    state, _ = unwrap(state, prefixes=("module.", "backbone."))
    if not isinstance(state, dict) or not state:
        raise ArenaError("--pretrained: the file holds no state dict (a dict of tensors)")
    return state


def load_backbone(net, path: str | Path) -> dict[str, Any]:
    """Load a local state dict into `net`'s backbone node(s); returns what was loaded."""
    import torch

    import warnings

    from arena.checks import file_problem

    path = Path(path)
    problem = file_problem(path, limit=None)
    if problem:
        raise ArenaError(f"--pretrained {path}: {problem} (pass a saved state dict, a .pt or .pth file)")
    try:
        with warnings.catch_warnings():  # torch's notes on the file's format: the refusal below says it
            warnings.simplefilter("ignore")
            state = _unwrap(torch.load(path, map_location="cpu", weights_only=True))
    except ArenaError:
        raise
    except Exception as e:  # noqa: BLE001 - anything torch.load cannot read is "not a state dict"
        raise ArenaError(f"--pretrained {path}: not a PyTorch state dict ({type(e).__name__})") from None
    backbones = [n.name for n in net.plan if n.role.value == "backbone"]
    if not backbones:
        raise ArenaError(f"--pretrained: {net.canonical} has no backbone node to load weights into")
    ours = {f"nodes.{b}.{k}": v for b in backbones for k, v in net.nodes[b].state_dict().items()}
    prefix = f"nodes.{backbones[0]}."
    mapped = {}
    unknown = []
    for key, value in state.items():
        target = key if key in ours else prefix + key
        if target in ours:
            mapped[target] = value
        else:
            unknown.append(key)
    shapes = [f"{k} {tuple(v.shape)} vs {tuple(ours[k].shape)}" for k, v in mapped.items()
              if tuple(v.shape) != tuple(ours[k].shape)]
    missing = [k for k in ours if k not in mapped and not k.endswith("num_batches_tracked")]
    if unknown or shapes or missing:
        parts = [f"{len(unknown)} keys match no backbone tensor ({_names(unknown)})"] if unknown else []
        if shapes:
            parts.append(f"{len(shapes)} shapes differ ({_names(shapes)})")
        if missing:
            parts.append(f"{len(missing)} backbone tensors missing ({_names(missing)})")
        raise ArenaError(f"--pretrained {path} does not fit the backbone of {net.canonical}: {'; '.join(parts)}")
    full = net.state_dict()
    full.update(mapped)
    net.load_state_dict(full)
    return {"path": str(path), "loaded": len(mapped), "backbone": backbones}
