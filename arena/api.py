"""The Python API: `resolve`, `build` and `list_nets`, in the spirit of timm. A spec is parsed ONCE here.

A spec is a shipped variant (`fanet18`), a variant with items (`fanet18[upsampler=gai,classes=11]`)
or a path to a user's `.arena` file (`my/net.arena`, `my/net.arena:variant[attention=se]`). Items
whose key is a parameter of the network override it; every other item is a swap. `--swap` options
and Python keywords join the items of the spec string as data, never by formatting text to parse
again; the `Resolved` that comes out travels with the network (`GraphNet.resolved`) into every
result row.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from arena.dsl.errors import DSLError
from arena.dsl.ir import NetFile
from arena.dsl.spec import BlockChoice, Swap, format_spec, format_value, parse_item, parse_spec, parse_value
from arena.dsl.syntax import parse_file
from arena.errors import ArenaError, BlockInternalError
from blocks.registry import did_you_mean


def nets_dir() -> Path:
    """The shipped network files, found without importing any block (which imports torch)."""
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
    """A spec understood: which file and entry, the parameters, the swaps and the canonical name.

    `base` is the network's name in result rows: the variant for a shipped network, else
    `path:entry` with the path relative to the working directory, so that `mine.arena`,
    `./mine.arena:mine` and its absolute path are one network.
    """

    netfile: NetFile
    entry: str
    base: str
    params: dict[str, Any]
    overrides: dict[str, Any]  # parameters that differ from the variant's own values
    swaps: dict[str, BlockChoice]
    canonical: str
    shipped: bool

    def row_fields(self) -> dict[str, Any]:
        """The identity columns of a result row: spec, network, overrides, swaps (plain values)."""
        return {"spec": self.canonical, "network": self.base, "overrides": dict(self.overrides),
                "swaps": {k: format_value(v) for k, v in self.swaps.items()}}


def _user_file_name(path: str) -> str:
    """A user's network file as one key: resolved, then relative to the working directory."""
    full = Path(path).resolve()
    try:
        return os.path.relpath(full, Path.cwd())
    except ValueError:  # another drive (Windows): no relative form
        return str(full)


def _locate(base: str) -> tuple[NetFile, str, str, bool]:
    """(parsed file, entry, base name for rows, shipped?) of a spec's base."""
    if ".arena" in base:
        path, _, entry = base.partition(".arena")
        netfile = parse_file(path + ".arena")
        entry = entry.lstrip(":") or netfile.net.name
        return netfile, entry, f"{_user_file_name(path + '.arena')}:{entry}", False
    nets = catalogue()
    if base not in nets:
        raise DSLError(f"unknown network {base!r}",
                       hint=f"{did_you_mean(base, nets)}run `arena list nets`, or pass a path to a .arena file")
    return _shipped(nets[base]), base, base, True


def _merge_items(items: dict[str, Any], swaps: Iterable[str | Swap] | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """The spec's items plus `--swap` strings and Python keywords, each key given once."""
    merged = dict(items)
    extra = [(s.target, s.choice) if isinstance(s, Swap) else parse_item(s) for s in swaps or []]
    extra += [(k, parse_value(v, k) if _looks_like_block(v) else v) for k, v in overrides.items()]
    for key, value in extra:
        if key in merged:
            raise DSLError(f"{key!r} is given twice (in the spec and again as a swap or keyword)",
                           hint="give each slot or parameter once")
        merged[key] = value
    return merged


def _looks_like_block(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and (value[0].isalpha() or value[0] == "_")


def resolve(spec: str, swaps: Iterable[str | Swap] | None = None, **overrides: Any) -> Resolved:
    """Split a spec into parameter overrides and swaps, and name it canonically.

    `swaps` are `Swap`s or `ROLE|BLOCK|NODE=BLOCK[(k=v)]` strings (the CLI's `--swap`); keywords are parameter
    overrides (`classes=11`) or swaps given as block names (`upsampler="gai(iters=1)"`).
    """
    from arena.dsl.build import entry_params

    if not isinstance(spec, str) or not spec.strip():
        raise DSLError(f"spec {spec!r} names no network", hint="write NET or NET[key=value,...]")
    if isinstance(swaps, (str, Swap)):  # one swap, not a list of them: not one swap per character
        swaps = [swaps]
    base, items = parse_spec(spec)
    netfile, entry, row_base, shipped = _locate(base)
    defaults = entry_params(netfile, entry, {})
    # a Python keyword for a parameter is a value as given, never re-read as a block name
    params_kw = {k: v for k, v in overrides.items() if k in defaults}
    items = _merge_items(items, swaps, {k: v for k, v in overrides.items() if k not in defaults})
    for key, value in params_kw.items():
        if key in items:
            raise DSLError(f"{key!r} is given twice (in the spec and again as a keyword)")
        items[key] = value
    params_given: dict[str, Any] = {}
    swap_items: dict[str, BlockChoice] = {}
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
            swap_items[key] = value
    params = entry_params(netfile, entry, params_given)
    changed = {k: v for k, v in params_given.items() if defaults[k] != v}
    canonical = format_spec(row_base, {**changed, **swap_items})
    return Resolved(netfile, entry, row_base, params, changed, swap_items, canonical, shipped)


def build(spec: str, swaps: Iterable[str | Swap] | None = None, device: Any = None, *, seed: int | None = None,
          **overrides: Any):
    """Build a network as a GraphNet; raises `DSLError` (one line, with position) on any mistake.

    `device="meta"` builds without storage: for counting and showing, any size, no memory.
    `seed`: every node is initialised from its own stream seeded by (seed, node name), so a network and
    its hybrid hold bit-identical weights in every node they share; the caller's RNG is left as it was.
    Without it, nodes draw from the caller's stream in file order (PyTorch's usual behaviour).
    """
    from arena.graph import GraphNet

    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ArenaError(f"seed={seed!r} must be an integer (or None: draw from the caller's random stream)")
    return GraphNet.from_resolved(resolve(spec, swaps, **overrides), device, seed=seed)


def block_info(name: str):
    """The registry entry of `role.block` or of a block name used by one role only."""
    from blocks.registry import BlockError, all_blocks, info

    try:
        if "." in name:
            return info(*name.split(".", 1))
        matches = [b for b in all_blocks() if b.name == name]
    except BlockError as e:
        raise ArenaError(str(e)) from None
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ArenaError(f"{name!r} is a block of several roles: name one of "
                         f"{', '.join(b.qualname for b in matches)}")
    names = [b.name for b in all_blocks()] + list(catalogue())
    raise ArenaError(f"{name!r} is neither a network nor a block: {did_you_mean(name, names)}"
                     "run `arena list nets` or `arena list`")
