"""The typed block registry: every block is registered under a role and a short name.

Why a flat registry with typed specs: the network builder must never guess channels or strides
(the failure mode of YAML model zoos that infer them from a ladder of class names). Each block
declares its inputs as `FeatureSpec`s in its constructor and its outputs in `out_specs`, so the
builder can thread shapes from node to node and report a mismatch at the DSL position.
"""
from __future__ import annotations

import contextlib
import contextvars
import difflib
import enum
import inspect
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable


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


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """The one close-match hint of the project: "did you mean a, b? " or "" (note the trailing space)."""
    close = difflib.get_close_matches(str(word), list(choices), n=n)
    return f"did you mean {', '.join(close)}? " if close else ""


class BlockError(ValueError):
    """A block was asked for something it cannot build (unknown name, bad kwarg value, ...).

    The DSL turns it into an error at the position of the call that asked for it.
    """


# How a block argument is built: inside the context this returns. A builder that seeds every node apart
# (arena.dsl.seeding) sets it so that a swapped argument draws from its own stream, never the caller's.
ARGUMENT_SCOPE: contextvars.ContextVar[Callable[[], typing.ContextManager]] = contextvars.ContextVar(
    "ARGUMENT_SCOPE", default=contextlib.nullcontext)


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
        with ARGUMENT_SCOPE.get()():
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
    types: dict[str, Any] = field(default_factory=dict)  # keyword -> its annotation (int, int | None, list, ...)

    @property
    def qualname(self) -> str:
        return f"{self.role.value}.{self.name}"

    @property
    def source_file(self) -> str:
        """The file that defines the block, relative to the project (`blocks/upsamplers/gai.py`)."""
        module = self.cls.__module__
        return module.replace(".", "/") + ".py"

    def keyword_error(self, key: str) -> str | None:
        """None when `key` is one of the block's keywords, else the message naming the fix."""
        if key in self.kwargs:
            return None
        return (f"{self.qualname} has no keyword {key!r} ({did_you_mean(key, self.kwargs, 2)}"
                f"its keywords are {', '.join(self.kwargs) or '(none)'})")

    @property
    def inputs_wanted(self) -> str:
        return f"{self.arity} input{'s' * (self.arity != 1)}" if self.arity is not None else "one or more inputs"

    def arity_error(self, n_inputs: int) -> str | None:
        """None when the block takes `n_inputs` feature inputs, else what it takes."""
        if (self.arity is not None and self.arity == n_inputs) or (self.arity is None and n_inputs >= 1):
            return None
        return f"{self.qualname} takes {self.inputs_wanted}, got {n_inputs}"

    def type_error(self, key: str, value: Any) -> str | None:
        """None when `value` fits the annotation of keyword `key`, else one line naming both."""
        expected = self.types.get(key)
        if expected is None or value_fits(value, expected):
            return None
        return (f"{self.qualname} keyword {key}={value!r} must be {type_name(expected)} "
                f"(default {key}={self.kwargs[key]!r})")


_REGISTRY: dict[Role, dict[str, BlockInfo]] = {role: {} for role in Role}


def value_fits(value: Any, expected: Any) -> bool:
    """Whether a DSL value (constant, list as tuple, BlockRef) fits a constructor annotation.

    Why not isinstance alone: an int is a valid float, a bool is not a valid int, and a list
    annotation accepts the tuples the DSL freezes lists into.
    """
    if expected is Any:
        return True
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return any(value_fits(value, t) for t in typing.get_args(expected))
    if expected is type(None):
        return value is None
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected in (list, tuple) or origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        args = [a for a in typing.get_args(expected) if a is not Ellipsis]
        return not args or all(value_fits(v, args[0]) for v in value)
    if isinstance(expected, type):
        return isinstance(value, expected)
    return True  # an annotation this check does not model: let the block decide


def type_name(expected: Any) -> str:
    """`int | None` -> "an int or None", for error messages a user reads."""
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(t) for t in typing.get_args(expected))
    if expected is type(None):
        return "None"
    names = {int: "an int", float: "a number", bool: "True or False", str: "a string", list: "a list",
             tuple: "a list", BlockRef: "a block (role.name)"}
    return names.get(expected, names.get(origin, getattr(expected, "__name__", str(expected))))


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
        hints = typing.get_type_hints(cls.__init__)
        doc = inspect.getdoc(cls) or ""
        summary = doc.splitlines()[0] if doc else ""
        _REGISTRY[role][name] = BlockInfo(role, name, cls, paper, summary, arity, kwargs,
                                          {k: hints[k] for k in kwargs if k in hints})
        cls.role, cls.block_name = role, name
        return cls

    return deco


def _ensure_loaded() -> None:
    """Import every role package once: importing a block's module registers it."""
    global _loaded
    if _loaded:
        return
    import importlib

    import blocks

    for package in blocks.ROLE_PACKAGES:
        importlib.import_module(f"blocks.{package}")
    _loaded = True


_loaded = False


def info(role: Role | str, name: str) -> BlockInfo:
    """The registry entry for `role.name`, or a `BlockError` listing close matches and all names."""
    _ensure_loaded()
    try:
        role = Role(role)
    except ValueError:
        roles = [r.value for r in Role]
        raise BlockError(f"unknown role {role!r}: {did_you_mean(role, roles)}roles are {', '.join(roles)}") from None
    table = _REGISTRY[role]
    if name not in table:
        raise BlockError(f"unknown {role.value} block {name!r}: {did_you_mean(name, table)}"
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
