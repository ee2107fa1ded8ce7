"""Seeded construction: a network and its hybrid start from the same weights in everything they share.

Why: a base network and its hybrid are compared seed by seed, and the pairing is only as good as the
weights they share. Seeding once and then building makes every module built after the swapped one draw
from a stream the swap has moved (the swapped block draws a different count of random numbers), so
shared modules started from different weights (fast_scnn[upsampler=gai]: 15 tensors).

How: each node is built inside `torch.random.fork_rng` (the caller's stream is restored after it), and
every time a module of the node registers a parameter the generator is reseeded from (seed, node name,
the parameter's ordinal in the node). PyTorch's modules draw their initial values right after
registering their parameters (`reset_parameters`), so a module's weights depend on the seed, its node
and its position only: not on what was swapped before it, nor on the shape of a module before it in
the same node (a head whose input width a swap changed keeps its later layers' weights). A block
argument (`fusion.apf(spatial=attention.ssam)`) is built in a scope of its own, numbered by its
position in the node, so swapping it leaves its siblings alone. The blocks keep PyTorch's default (or
their own) initialisation: only the random numbers they draw are fixed.

The seeds are a SHA-256 of (seed, names, ordinal) (Python's `hash()` of a string is salted per
process), so the weights are the same in every process, and on every machine with the same torch.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
from typing import Any, Iterator


def node_seed(seed: int, *path: Any) -> int:
    """A 63-bit seed from the run's seed and a path (node, argument, ordinal): stable across processes."""
    text = "\x1f".join(str(part) for part in (int(seed), *path))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") & 0x7FFF_FFFF_FFFF_FFFF


def _device(device: Any):
    import torch

    return torch.device(device) if device is not None else torch.device("cpu")


def _reseed(seed: int, device: Any) -> None:
    """Seed the CPU generator, and the build device's when it is an accelerator (inits draw there)."""
    import torch

    torch.random.default_generator.manual_seed(seed)
    dev = _device(device)
    if dev.type not in ("cpu", "meta"):
        module = getattr(torch, dev.type)  # torch.cuda, torch.xpu, ...: the same generator interface
        with module.device(dev.index if dev.index is not None else module.current_device()):
            module.manual_seed(seed)


@contextlib.contextmanager
def _fork(seed: int, device: Any) -> Iterator[None]:
    """Within: the generators seeded with `seed`; the caller's states restored after."""
    import torch

    dev = _device(device)
    if dev.type in ("cpu", "meta"):
        forked = torch.random.fork_rng(devices=[])
    else:
        module = getattr(torch, dev.type)
        index = dev.index if dev.index is not None else module.current_device()
        forked = torch.random.fork_rng(devices=[index], device_type=dev.type)
    with forked:
        _reseed(seed, device)
        yield


@contextlib.contextmanager
def seeded_node(seed: int | None, node: str, device: Any = None) -> Iterator[None]:
    """Build one node inside: its own streams, reseeded at every parameter its modules register.

    `seed=None` does nothing: the node draws from the caller's stream, as a plain `nn.Module` would.
    """
    if seed is None:
        yield
        return
    from torch.nn.modules.module import register_module_parameter_registration_hook

    from blocks.registry import ARGUMENT_SCOPE

    # one frame per scope being built: the node, then the argument it is building (arguments nest)
    frames = [{"path": (node,), "parameters": itertools.count(), "arguments": itertools.count()}]
    builder = threading.get_ident()

    def on_parameter(module, name, param):
        if threading.get_ident() == builder:  # another thread's modules are none of this build's business
            frame = frames[-1]
            _reseed(node_seed(seed, *frame["path"], next(frame["parameters"])), device)

    @contextlib.contextmanager
    def argument_scope() -> Iterator[None]:
        path = (*frames[-1]["path"], "argument", next(frames[-1]["arguments"]))
        with _fork(node_seed(seed, *path), device):
            frames.append({"path": path, "parameters": itertools.count(), "arguments": itertools.count()})
            try:
                yield
            finally:
                frames.pop()

    with _fork(node_seed(seed, node), device):
        hook = register_module_parameter_registration_hook(on_parameter)
        token = ARGUMENT_SCOPE.set(argument_scope)
        try:
            yield
        finally:
            ARGUMENT_SCOPE.reset(token)
            hook.remove()
