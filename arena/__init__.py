"""arena: benchmark and ablation workbench for real-time semantic segmentation.

Light at import: torch is imported only by the functions that need it, so `arena --help` stays fast.
"""
__version__ = "0.1.0"


def build(spec: str, swaps=None, device=None, *, seed=None, **overrides):
    """Build a network: a registered variant, a canonical hybrid string or a `.arena` file path.

    `seed`: each node initialised from (seed, node name), identical in a network and its hybrids.
    """
    from arena.api import build as _build

    return _build(spec, swaps, device, seed=seed, **overrides)


def resolve(spec: str, swaps=None, **overrides):
    """The spec understood, without building it: base, overrides, swaps and canonical name."""
    from arena.api import resolve as _resolve

    return _resolve(spec, swaps, **overrides)


def list_nets() -> list[str]:
    """Names of every published variant shipped in `blocks/nets/`."""
    from arena.api import list_nets as _list_nets

    return _list_nets()


def load_official(net, source):
    """Load a checkpoint saved by a network's official code into an arena network (arena.official)."""
    from arena.official import load_official as _load_official

    return _load_official(net, source)
