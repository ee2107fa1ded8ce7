"""Spec strings: `fanet18[upsampler=gai(iters=1),classes=11]`, parsed and printed canonically.

The canonical string is the identity of a network everywhere (results key, plot label, table row),
so it must be unique: items sorted by key, values printed one way, parameter overrides equal to the
variant's own value dropped. `parse_spec(format_spec(...))` gives back the same items.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from arena.dsl.errors import DSLError

_KEY = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")
_WORD = re.compile(r"^[A-Za-z_]\w*$")


@dataclass(frozen=True)
class BlockChoice:
    """The right side of a swap: `gai`, `upsampler.gai` or `gai(iters=1)`."""

    block: str
    role: str | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        name = f"{self.role}.{self.block}" if self.role else self.block
        if not self.kwargs:
            return name
        return name + "(" + ",".join(f"{k}={format_value(v)}" for k, v in sorted(self.kwargs)) + ")"


@dataclass(frozen=True, eq=True)
class Swap:
    """One swap, `upsampler=gai(iters=1)`: the slot (a role, block or node name) and the block put there.

    The one form a swap takes from the study file or the CLI to the resolved network: parsed once,
    printed canonically by `str()` (the form rows, plans and tables show).
    """

    target: str
    choice: BlockChoice

    @classmethod
    def parse(cls, text: str) -> "Swap":
        """`ROLE|BLOCK|NODE=BLOCK[(k=v)]` -> Swap; a DSLError names what is not a swap."""
        key, value = parse_item(str(text))
        if not isinstance(value, BlockChoice):
            raise DSLError(f"{text!r} is not a swap: {value!r} is not a block",
                           hint="a swap looks like upsampler=gai or attention=gc(ratio=0.25)")
        return cls(key, value)

    def __str__(self) -> str:
        return f"{self.target}={self.choice}"

    def __hash__(self) -> int:  # kwargs may hold lists: hash the canonical text
        return hash(str(self))


def format_value(value: Any) -> str:
    """One printed form per value, so that canonical strings compare equal."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value if _WORD.match(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(format_value(v) for v in value) + "]"
    return str(value)


def _split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside brackets, parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _value(node: ast.expr, spec: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) in (int, float):
        return -node.operand.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(e, spec) for e in node.elts]
    if isinstance(node, ast.Name):
        return BlockChoice(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return BlockChoice(node.attr, node.value.id)
    if isinstance(node, ast.Call) and not node.args and all(k.arg for k in node.keywords):
        head = _value(node.func, spec)
        if isinstance(head, BlockChoice):
            kwargs = tuple((k.arg, _plain(_value(k.value, spec))) for k in node.keywords)
            return BlockChoice(head.block, head.role, kwargs)
    raise DSLError(f"cannot read value {ast.unparse(node)!r} in spec {spec!r}",
                   hint="values are numbers, strings, lists, or blocks like gai or gai(iters=1)")


def _plain(value: Any) -> Any:
    """Inside a block's kwargs a bare word is a string (`act=leaky`)."""
    if isinstance(value, BlockChoice) and value.role is None and not value.kwargs:
        return value.block
    return value


def parse_item(item: str, spec: str | None = None) -> tuple[str, Any]:
    """One `key=value` item (a swap like `upsampler=gai(iters=1)` or an override like `classes=11`)."""
    context = f" in spec {spec!r}" if spec is not None else ""
    key, eq, value = item.partition("=")
    key, value = key.strip(), value.strip()
    if not eq or not value or not _KEY.match(key):
        raise DSLError(f"bad item {item!r}{context}",
                       hint="items are key=value: a swap like upsampler=gai or an override like classes=11")
    return key, parse_value(value, key, spec if spec is not None else item)


def parse_value(value: str, key: str = "", spec: str = "") -> Any:
    """The right side of an item: a constant, a list, or a block choice (`gai`, `gai(iters=1)`)."""
    try:
        node = ast.parse(value.strip(), mode="eval").body
    except SyntaxError:
        raise DSLError(f"cannot read value {value!r}" + (f" for {key!r}" if key else "") +
                       (f" in spec {spec!r}" if spec else ""),
                       hint="values are numbers, strings, lists, or blocks like gai(iters=1)") from None
    return _value(node, spec or value)


def parse_spec(text: str) -> tuple[str, dict[str, Any]]:
    """`base[key=value,...]` -> (base, {key: value}); raises `DSLError` naming the bad part."""
    text = text.strip()
    base, items = text, ""
    if text.endswith("]") and "[" in text:
        cut = text.index("[")
        base, items = text[:cut], text[cut + 1:-1]
    if not base:
        raise DSLError(f"spec {text!r} names no network", hint="write NET or NET[key=value,...]")
    if "[" in base or "]" in base:
        raise DSLError(f"unbalanced brackets in spec {text!r}", hint="write NET[key=value,...]")
    out: dict[str, Any] = {}
    for item in (p.strip() for p in _split_top(items, ",") if items.strip()):
        key, value = parse_item(item, text)
        if key in out:
            raise DSLError(f"{key!r} given twice in spec {text!r}")
        out[key] = value
    return base, out


def format_spec(base: str, items: dict[str, Any]) -> str:
    """The canonical string: items sorted by key, no spaces."""
    if not items:
        return base
    return base + "[" + ",".join(f"{k}={format_value(v)}" for k, v in sorted(items.items())) + "]"
