"""The Python API: `build(spec_or_path, **overrides)` and `list_nets()`, in the spirit of timm.

A spec is a shipped variant (`fanet18`), a variant with items (`fanet18[upsampler=gai,classes=11]`)
or a path to a user's `.arena` file (`my/net.arena`, `my/net.arena:variant[attention=se]`). Items
whose key is a parameter of the network override it; every other item is a swap.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from arena.dsl.errors import DSLError
from arena.dsl.ir import NetFile
from arena.dsl.spec import BlockChoice, format_spec, parse_spec
from arena.dsl.syntax import parse_file


def nets_dir() -> Path:
    """The shipped network files, found without importing `blocks` (which imports torch)."""
    spec = importlib.util.find_spec("blocks")
    return Path(list(spec.submodule_search_locations)[0]) / "nets"


@lru_cache(maxsize=None)
def _shipped(path: Path) -> NetFile:
    """A shipped network file, parsed once per process (users' own files are re-read every time)."""
    return parse_file(str(path))


@lru_cache(maxsize=None)
def catalogue() -> dict[str, Path]:
    """Every shipped variant name -> its network file, in file then definition order."""
    out: dict[str, Path] = {}
    for path in sorted(nets_dir().glob("*.arena")):
        for name in _shipped(path).entry_names():
            if name in out:
                raise DSLError(f"network {name!r} is defined in both {out[name].name} and {path.name}")
            out[name] = path
    return out


def list_nets() -> list[str]:
    """Names of every shipped network variant."""
    return list(catalogue())


@dataclass(frozen=True)
class Resolved:
    """A spec understood: which file and entry, the parameters, the swaps and the canonical name."""

    netfile: NetFile
    entry: str
    params: dict[str, Any]
    overrides: dict[str, Any]
    swaps: dict[str, BlockChoice]
    canonical: str
    shipped: bool


def _locate(base: str) -> tuple[NetFile, str, bool]:
    if ".arena" in base:
        path, _, entry = base.partition(".arena")
        netfile = parse_file(path + ".arena")
        entry = entry.lstrip(":") or netfile.net.name
        return netfile, entry, False
    nets = catalogue()
    if base not in nets:
        import difflib

        close = difflib.get_close_matches(base, nets, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise DSLError(f"unknown network {base!r}",
                       hint=f"{hint}run `arena list nets`, or pass a path to a .arena file")
    return _shipped(nets[base]), base, True


def _as_items(overrides: dict[str, Any]) -> dict[str, Any]:
    """Python keyword overrides -> spec items (a string swap value may carry kwargs: "gai(iters=1)")."""
    items = {}
    for key, value in overrides.items():
        if isinstance(value, str) and value and (value[0].isalpha() or value[0] == "_"):
            items[key] = parse_spec(f"x[{key}={value}]")[1][key]
        else:
            items[key] = value
    return items


def resolve(spec: str, **overrides: Any) -> Resolved:
    """Split a spec into parameter overrides and swaps, and name it canonically."""
    from arena.dsl.resolve import entry_params

    base, items = parse_spec(spec)
    items.update(_as_items(overrides))
    netfile, entry, shipped = _locate(base)
    defaults = entry_params(netfile, entry, {})
    params_given: dict[str, Any] = {}
    swaps: dict[str, BlockChoice] = {}
    for key, value in items.items():
        if key in defaults:
            if isinstance(value, BlockChoice):
                if value.role or value.kwargs:
                    raise DSLError(f"{key}={value}: {key!r} is a parameter of {netfile.net.name}, not a slot")
                value = value.block
            params_given[key] = value
        else:
            if not isinstance(value, BlockChoice):
                raise DSLError(f"{key}={value!r}: {key!r} is not a parameter of {netfile.net.name}, and a swap "
                               f"needs a block name", hint=f"parameters are {', '.join(defaults) or '(none)'}; "
                                                           "a swap looks like upsampler=gai")
            swaps[key] = value
    params = entry_params(netfile, entry, params_given)
    changed = {k: v for k, v in params_given.items() if defaults[k] != v}
    name = entry if shipped else f"{base if ':' in base else base + ':' + entry}"
    canonical = format_spec(name, {**changed, **swaps})
    return Resolved(netfile, entry, params, changed, swaps, canonical, shipped)


def build(spec_or_path: str, **overrides: Any):
    """Build a network as a GraphNet; raises `DSLError` (one line, with position) on any mistake."""
    from arena.dsl.resolve import build_graph, resolved_calls

    r = resolve(spec_or_path, **overrides)
    calls, notes = resolved_calls(r.netfile, r.params, r.swaps)
    return build_graph(r.netfile, r.entry, r.params, calls, notes, r.canonical)
