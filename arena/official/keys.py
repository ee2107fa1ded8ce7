"""Key tables: how an official state dict's names map onto an arena variant's.

Each family's table is data (its family module, `arena/families/<family>.py`): prefix rules from an official module path
to an arena one (regular expressions, the rest of the key kept as it is), and the official tensors
that compute nothing, each with its reason, skipped by name and reported. Which table a variant
uses is a column of the one table of variants, `arena.networks.VARIANTS` (`key_table`), and
`arena.official.tables.key_table(variant)` looks it up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from arena.errors import ArenaError


class OfficialCheckpointError(ArenaError):
    """An official checkpoint that cannot be loaded: missing, not a checkpoint, or another variant's."""


@dataclass(frozen=True)
class KeyTable:
    """The key table of one official code base."""

    name: str
    code: str  # the official model class, for reports and errors
    rules: tuple[tuple[str, str], ...]  # (official prefix regex, arena prefix template), first match wins
    skips: tuple[tuple[str, str], ...]  # (official key regex, why it holds nothing arena builds)
    # (official key regex, why): official modules whose place in the state dict differs from arena's
    # module order (the order principle, README); read in the official code, checked by the tests
    reordered: tuple[tuple[str, str], ...] = ()
    # (arena key regex, why): arena tensors the official state dict does not hold (left as built on load)
    arena_only: tuple[tuple[str, str], ...] = ()
    # (official key regex, template of the official key it repeats, why): copies of one shared module that
    # the official state dict lists under several names; the loader checks each equals its original
    aliases: tuple[tuple[str, str, str], ...] = ()


def parts(official: str, arena: str, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Rules for the sub-modules `pairs` of one official module mapped onto one arena module."""
    return [(rf"{official}\.{re.escape(o)}", f"{arena}.{a}") for o, a in pairs]


# torchvision-style BasicBlock -> blocks/backbones/resnet.py; conv + BN pairs -> a `body` Sequential
RESNET_BLOCK = (("conv1", "conv1.0"), ("bn1", "conv1.1"), ("conv2", "conv2.0"), ("bn2", "conv2.1"),
                ("downsample", "shortcut"))
CONV_BN = (("conv", "body.0"), ("bn", "body.1"))


@dataclass
class KeyMap:
    """Official keys sorted by what the table does with them."""

    mapped: dict[str, str]  # official key -> arena key
    skipped: dict[str, str]  # official key -> reason
    unmatched: list[str]
    aliases: dict[str, str] = field(default_factory=dict)  # official alias key -> the official key it repeats


def map_keys(tab: KeyTable, keys) -> KeyMap:
    """Apply a key table to official keys (no shapes involved)."""
    out = KeyMap({}, {}, [])
    for key in keys:
        reason = next((why for pattern, why in tab.skips if re.fullmatch(pattern, key)), None)
        if reason is not None:
            out.skipped[key] = reason
            continue
        alias = next(((m, template, why) for pattern, template, why in tab.aliases
                      if (m := re.fullmatch(pattern, key))), None)
        if alias is not None:
            m, template, why = alias
            out.aliases[key] = m.expand(template)
            out.skipped[key] = f"{why}: the same tensor as {out.aliases[key]} (checked equal, loaded once)"
            continue
        for pattern, template in tab.rules:
            m = re.match(rf"(?:{pattern})(?=\.|$)", key)
            if m:
                out.mapped[key] = m.expand(template) + key[m.end():]
                break
        else:
            out.unmatched.append(key)
    return out
