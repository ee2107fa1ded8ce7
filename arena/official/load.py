"""Official checkpoints: load the authors' released weights into a published variant.

Every published variant creates and calls its modules in the order the official code does, but
arena names them after its own nodes (`nodes.<node>.<...>`): the variant's key table
(`arena/official/keys.py`) maps the names. Every official tensor must map onto exactly one arena
tensor of the same shape, or nothing is loaded and one error names what differs. An arena tensor
the checkpoint lacks is an error too, unless it belongs to a training-only node (an auxiliary head,
or a node that feeds only one): authors often release inference-only weights, so those are left as
built and the report lists them.

`load_official(net, source)` fills a network in place; `convert(variant, official, out)` writes an
arena checkpoint (`{"arena_spec", "state_dict", "official_source"}`) atomically. Both return a
report (plain data) and never print.
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from arena import atomic
from arena.official import paddle
from arena.official.keys import OfficialCheckpointError, map_keys
from arena.official.tables import key_table

SHOWN = 4  # how many keys an error names before "..."


def _read(source) -> tuple[dict, list[str], str]:
    """The flat official state dict inside `source`, the wrappers taken off, and a label for it."""
    import torch

    label = "the given dict"
    if not isinstance(source, dict):
        path = Path(source)
        label = str(path)
        import warnings

        from arena.checks import file_problem

        problem = file_problem(path, limit=None)
        if problem:
            raise OfficialCheckpointError(f"no such checkpoint file: {path}" if problem == "no such file" else
                                          f"checkpoint {path}: {problem} (pass the authors' .pth or .pdparams file)")
        if path.suffix == paddle.SUFFIX:  # the Paddle families' releases (arena/official/paddle.py)
            return (*unwrap(paddle.read_pdparams(path)), label)
        try:
            with warnings.catch_warnings():  # torch's notes on the file's format: the refusal below says it
                warnings.simplefilter("ignore")
                source = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            raise OfficialCheckpointError(f"{path} is not a PyTorch checkpoint: torch.load(weights_only=True) "
                                          "cannot read it (not a saved file, or it holds arbitrary Python objects)")
        except Exception as e:  # noqa: BLE001: any failure to load means "not a checkpoint"
            first = (str(e).strip().splitlines() or [""])[0][:120]
            raise OfficialCheckpointError(f"{path} is not a PyTorch checkpoint ({type(e).__name__}: {first})")
    source, unwrapped = unwrap(source)
    if not isinstance(source, dict) or not source:
        raise OfficialCheckpointError(f"{label} is not a checkpoint: it holds {type(source).__name__}"
                                      f"{' (empty)' if isinstance(source, dict) else ''}, not a dict of tensors")
    bad = [k for k, v in source.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise OfficialCheckpointError(f"{label} is not a state dict: {len(bad)} entries are not tensors "
                                      f"({_names(bad)})")
    return source, unwrapped, label


def unwrap(source: Any, prefixes: tuple[str, ...] = ("module.",)) -> tuple[Any, list[str]]:
    """The state dict inside the usual wrappers ({"state_dict": ...}, {"model": ...}, nested) with a
    prefix every key shares (DataParallel's `module.`) taken off; and what was taken off, in order."""
    unwrapped = []
    while isinstance(source, dict):
        inner = next((k for k in ("state_dict", "model") if isinstance(source.get(k), dict)), None)
        if inner is None:
            break
        unwrapped.append(inner)
        source = source[inner]
    for prefix in prefixes:
        if isinstance(source, dict) and source and all(isinstance(k, str) and k.startswith(prefix) for k in source):
            source = {k[len(prefix):]: v for k, v in source.items()}
            unwrapped.append(prefix)
    return source, unwrapped


def _names(items: list[str]) -> str:
    return ", ".join(items[:SHOWN]) + (", ..." if len(items) > SHOWN else "")


def _shape(t) -> str:
    return str(tuple(t.shape))


def _net(net):
    """A GraphNet of a published variant (built from its name when given a string); hybrids refused."""
    if isinstance(net, str):
        import arena

        net = arena.build(net)
    if net.resolved.swaps:
        raise OfficialCheckpointError(f"{net.canonical} is a hybrid (swapped blocks): an official checkpoint "
                                      f"fits only a published variant such as {net.name}")
    return net


def _training_only_nodes(net) -> set[str]:
    """Nodes eval mode never runs: auxiliary heads and the nodes that feed only them."""
    return {n.name for n in net.plan} - {n.name for n in net.inference_plan}


def load_official(net, source) -> dict[str, Any]:
    """Load an official state dict (path or dict) into `net` in place; returns a report.

    On any mismatch nothing is loaded and one `OfficialCheckpointError` names the first keys and
    shapes that do not fit. Tensors of training-only nodes may be missing (inference-only
    releases): they stay as built, listed under `left_as_built`.
    """
    net = _net(net)
    tab = key_table(net.name)
    official, unwrapped, label = _read(source)
    keys = map_keys(tab, official)
    ours = net.state_dict()
    unknown, shapes, filled, misfit = list(keys.unmatched), [], {}, set()
    for key, target in keys.mapped.items():
        if target not in ours or target in filled:
            unknown.append(key)
        elif ours[target].shape != official[key].shape:
            shapes.append(f"{key} {_shape(official[key])} vs {_shape(ours[target])}")
            misfit.add(target)
        else:
            filled[target] = official[key]
    missing = [k for k in ours if k not in filled and k not in misfit]
    training_only = _training_only_nodes(net)
    left = [k for k in missing if k.split(".")[1] in training_only]
    # checkpoints saved before PyTorch 0.4.1 have no BN step counters; eval outputs never read them
    counters = [k for k in missing if k.endswith("num_batches_tracked") and k not in left]
    missing = [k for k in missing if k not in counters and k not in left]
    if unknown and all(k.startswith("nodes.") for k in official):
        raise OfficialCheckpointError(f"{label} is an arena checkpoint, not an official one: load it with "
                                      "net.load_state_dict(torch.load(path)['state_dict'])")
    if unknown or shapes or missing:
        parts = [f"{len(unknown)} keys unmatched ({_names(unknown)})"] if unknown else []
        if shapes:
            parts.append(f"{len(shapes)} shapes differ ({_names(shapes)})")
        if missing:
            parts.append(f"{len(missing)} of its tensors missing ({_names(missing)})")
        raise OfficialCheckpointError(f"{label} does not fit {net.canonical} ({tab.code}): {', '.join(parts)}: "
                                      "is it a checkpoint of another variant?")
    net.load_state_dict({**filled, **{k: ours[k] for k in counters + left}}, strict=True)
    return {"variant": net.canonical, "family": tab.name, "official_code": tab.code, "source": label,
            "loaded": len(filled), "skipped": dict(keys.skipped), "unwrapped": unwrapped,
            "counters_kept": len(counters), "left_as_built": left}


def convert(variant: str, official_path, out_path) -> dict[str, Any]:
    """Write an arena checkpoint of `variant` from an official one; atomic (nothing written on error).

    The file holds {"arena_spec": canonical, "state_dict": ..., "official_source": path} and loads with
    `arena.build(variant).load_state_dict(torch.load(out)["state_dict"])`.
    """
    from arena.checks import writable_file

    out = writable_file(out_path, "the arena checkpoint", create=False)  # a folder, /proc, ...: before any work
    if not out.parent.is_dir():
        raise OfficialCheckpointError(f"output folder {out.parent} does not exist (create it first, or pass "
                                      f"another --out)")
    net = _net(variant)
    report = load_official(net, Path(official_path))
    payload = {"arena_spec": net.canonical, "state_dict": net.state_dict(), "official_source": str(official_path)}
    atomic.torch_save(payload, out)
    return {**report, "out": str(out)}
