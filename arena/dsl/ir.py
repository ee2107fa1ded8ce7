"""The parsed form of a network file: plain dataclasses, no torch, no blocks.

Why an IR instead of executing the file: a network file is data. Parsing it into these records
lets swaps, canonical names and error positions work without building a single module.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# The roles a block can play (DESIGN.md §2), in the order a network reads: the one list of them.
# blocks.registry.Role holds the same values (a test keeps the two equal); this copy stays torch-free.
ROLES = ("backbone", "downsampler", "attention", "pyramid", "upsampler", "fusion", "head", "op")
INPUT_NAME = "image"  # the network input's name inside a network file


@dataclass(frozen=True)
class Pos:
    """A source position: 1-based line, 1-based column."""

    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Param:
    """A reference to a parameter of the network's def, substituted at resolve time."""

    name: str


@dataclass(frozen=True)
class BlockExpr:
    """A block named as a value (`spatial=attention.ssam(reduction=4)`)."""

    role: str
    block: str
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:  # as written in a .arena file (`arena show` prints it so)
        inner = ", ".join(f"{k}={v}" for k, v in self.kwargs)
        return f"{self.role}.{self.block}" + (f"({inner})" if inner else "")


@dataclass(frozen=True)
class Call:
    """One statement: `targets = role.block(inputs..., kwargs...)`; a bare call has no targets."""

    role: str
    block: str
    inputs: tuple[str, ...]
    kwargs: dict[str, Any]
    targets: tuple[str, ...]
    pos: Pos
    input_pos: tuple[Pos, ...] = ()
    kwarg_pos: dict[str, Pos] = field(default_factory=dict)
    name: str = ""  # node name: the target(s), "auxN" for bare heads, "logits" for a returned call

    @property
    def is_aux(self) -> bool:
        return not self.targets and self.name.startswith("aux")

    def with_block(self, role: str, block: str, kwargs: dict[str, Any]) -> "Call":
        """A copy with another block or kwargs; kwarg positions survive only for the same block."""
        same = (role, block) == (self.role, self.block)
        return replace(self, role=role, block=block, kwargs=kwargs, kwarg_pos=self.kwarg_pos if same else {})


@dataclass(frozen=True)
class NetDef:
    """The single `def` of a network file."""

    name: str
    params: dict[str, Any]
    calls: tuple[Call, ...]
    output: str  # the value name the network returns
    doc: str
    pos: Pos


@dataclass(frozen=True)
class Variant:
    """A module-level line `name = net(key=value, ...)`."""

    name: str
    base: str
    overrides: dict[str, Any]
    pos: Pos


@dataclass(frozen=True)
class NetFile:
    """A parsed network file."""

    path: str
    doc: str
    net: NetDef
    variants: dict[str, Variant]

    def entry_names(self) -> list[str]:
        return [self.net.name, *self.variants]


@dataclass(frozen=True)
class Node:
    """One built node: which block, fed by which values, producing which values."""

    name: str
    role: Any  # blocks.registry.Role
    block: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    aux: float | None  # loss weight of an auxiliary head (training only); None for inference nodes
    kwargs: dict[str, Any] = field(default_factory=dict)
    line: int = 0
