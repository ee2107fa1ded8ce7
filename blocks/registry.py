"""The typed block registry: every block is registered under a role and a short name.

Why a flat registry with typed specs: the network builder must never guess channels or strides
(the failure mode of YAML model zoos that infer them from a ladder of class names). Each block
declares its inputs as `FeatureSpec`s in its constructor and its outputs in `out_specs`, so the
builder can thread shapes from node to node and report a mismatch at the DSL position.
"""
from __future__ import annotations

import difflib
import enum
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable


class Role(str, enum.Enum):
    """What a block does in a network; swaps are expressed by role."""

    BACKBONE = "backbone"
    DOWNSAMPLER = "downsampler"
    ATTENTION = "attention"
    PYRAMID = "pyramid"
    UPSAMPLER = "upsampler"
    FUSION = "fusion"
    HEAD = "head"
    OP = "op"

    def __str__(self) -> str:
        return self.value


# Keyword arguments that survive a swap (DESIGN.md §2): they describe the slot, not the block.
INTERFACE_KWARGS: dict[Role, tuple[str, ...]] = {
    Role.BACKBONE: ("strides",),
    Role.DOWNSAMPLER: ("factor", "out"),
    Role.ATTENTION: (),
    Role.PYRAMID: ("out",),
    Role.UPSAMPLER: ("out",),
    Role.FUSION: ("out",),
    Role.HEAD: ("classes",),
    Role.OP: (),
}

# Roles whose nodes may be replaced by `--swap`.
SWAPPABLE_ROLES = (Role.BACKBONE, Role.DOWNSAMPLER, Role.ATTENTION, Role.PYRAMID,
                   Role.UPSAMPLER, Role.FUSION, Role.HEAD)


@dataclass(frozen=True)
class FeatureSpec:
    """A feature map's channel count and its stride relative to the network input."""

    channels: int
    stride: int

    def __str__(self) -> str:
        return f"{self.channels}@s{self.stride}"


class BlockError(ValueError):
    """A block was asked for something it cannot build (unknown name, bad kwarg value, ...).

    The DSL turns it into an error at the position of the call that asked for it.
    """


@dataclass(frozen=True)
class BlockRef:
    """A block passed as an argument to another block (`spatial=attention.ssam`).

    The receiving block calls `build(spec, ...)` once it knows its own channels.
    """

    role: Role
    name: str
    kwargs: tuple[tuple[str, Any], ...] = ()

    def build(self, *specs: FeatureSpec, **extra: Any):
        cls = get(self.role, self.name)
        return cls(*specs, **{**dict(self.kwargs), **extra})

    def __str__(self) -> str:
        args = ",".join(f"{k}={v!r}" for k, v in self.kwargs)
        return f"{self.role.value}.{self.name}" + (f"({args})" if args else "")


@dataclass(frozen=True)
class BlockInfo:
    """What the registry knows of a block without building it."""

    role: Role
    name: str
    cls: type
    paper: str
    summary: str
    arity: int | None  # number of feature inputs; None = variadic (two or more)
    kwargs: dict[str, Any] = field(default_factory=dict)  # keyword-only params with defaults


_REGISTRY: dict[Role, dict[str, BlockInfo]] = {role: {} for role in Role}


def _signature_info(cls: type) -> tuple[int | None, dict[str, Any]]:
    """Arity (positional FeatureSpec inputs) and keyword-only defaults of a block constructor."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # drop self
    arity: int | None = 0
    kwargs: dict[str, Any] = {}
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            arity = None if arity is None else arity + 1
        elif p.kind is p.VAR_POSITIONAL:
            arity = None
        elif p.kind is p.KEYWORD_ONLY:
            if p.default is p.empty:
                raise TypeError(f"{cls.__name__}: keyword-only parameter {p.name!r} needs a default")
            kwargs[p.name] = p.default
        elif p.kind is p.VAR_KEYWORD:
            raise TypeError(f"{cls.__name__}: **kwargs is not allowed; unknown keywords must fail loudly")
    return arity, kwargs


def register(role: Role | str, name: str, *, paper: str = "") -> Callable[[type], type]:
    """Class decorator: register a block under `role` and `name`. A duplicate fails at import."""
    role = Role(role)

    def deco(cls: type) -> type:
        if name in _REGISTRY[role]:
            other = _REGISTRY[role][name].cls
            raise RuntimeError(f"duplicate block {role.value}.{name}: {other.__module__}.{other.__qualname__} "
                               f"and {cls.__module__}.{cls.__qualname__}")
        arity, kwargs = _signature_info(cls)
        doc = inspect.getdoc(cls) or ""
        summary = doc.splitlines()[0] if doc else ""
        _REGISTRY[role][name] = BlockInfo(role, name, cls, paper, summary, arity, kwargs)
        cls.role, cls.block_name = role, name
        return cls

    return deco


def _ensure_loaded() -> None:
    import blocks  # noqa: F401  (importing the package registers every block)


def info(role: Role | str, name: str) -> BlockInfo:
    """The registry entry for `role.name`, or a `BlockError` listing close matches and all names."""
    _ensure_loaded()
    try:
        role = Role(role)
    except ValueError:
        roles = [r.value for r in Role]
        close = difflib.get_close_matches(str(role), roles, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise BlockError(f"unknown role {role!r}: {hint}roles are {', '.join(roles)}") from None
    table = _REGISTRY[role]
    if name not in table:
        close = difflib.get_close_matches(name, table, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise BlockError(f"unknown {role.value} block {name!r}: {hint}"
                         f"{role.value} blocks are {', '.join(sorted(table))}")
    return table[name]


def get(role: Role | str, name: str) -> type:
    """The block class registered as `role.name`."""
    return info(role, name).cls


def names(role: Role | str | None = None) -> list[str]:
    """Sorted block names of one role, or `role.name` for every block when role is None."""
    _ensure_loaded()
    if role is None:
        return [f"{r.value}.{n}" for r in Role for n in sorted(_REGISTRY[r])]
    return sorted(_REGISTRY[Role(role)])


def all_blocks() -> list[BlockInfo]:
    """Every registered block, ordered by role then name."""
    _ensure_loaded()
    return [_REGISTRY[r][n] for r in Role for n in sorted(_REGISTRY[r])]
