"""arena: benchmark and ablation workbench for real-time semantic segmentation.

Light at import: torch is imported only by the functions that need it, so `arena --help` stays fast.
"""
__version__ = "0.1.0"


def build(spec_or_path: str, **overrides):
    """Build a network: a registered variant, a canonical hybrid string or a `.arena` file path."""
    from arena.api import build as _build

    return _build(spec_or_path, **overrides)


def list_nets() -> list[str]:
    """Names of every published variant shipped in `blocks/nets/`."""
    from arena.api import list_nets as _list_nets

    return _list_nets()
