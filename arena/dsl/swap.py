"""Swaps: replace every node (and block-valued argument) a target names with another block.

A target is, in this order, a role (`upsampler`), `role.block` (`attention.fast`), a block name used
in the network (`fast`) or a node name (`fused`). The replacement keeps the role's interface
kwargs (`out` of an upsampler, `classes` of a head, ...), drops the old block's own kwargs and says
which, and may carry kwargs of its own: `upsampler=gai(iters=1)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arena.dsl.errors import DSLError, NotApplicable
from arena.dsl.ir import ROLES, BlockExpr, Call
from arena.dsl.spec import BlockChoice
from blocks.registry import did_you_mean


@dataclass(frozen=True)
class SwapNote:
    """What one swap did to one node: for `arena show` and the ablation report."""

    node: str
    old: str
    new: str
    dropped: tuple[str, ...]

    def __str__(self) -> str:
        text = f"{self.node}: {self.old} -> {self.new}"
        return text + (f" (dropped {', '.join(self.dropped)})" if self.dropped else "")


def _block_exprs(value: Any):
    if isinstance(value, BlockExpr):
        yield value
        for _, v in value.kwargs:
            yield from _block_exprs(v)


def _target_role_block(target: str, calls: list[Call], net: str) -> tuple[str, str | None, str | None]:
    """(role, block or None, node or None) selected by a swap target."""
    if target in ROLES:
        return target, None, None
    if "." in target:
        role, block = target.split(".", 1)
        if role not in ROLES:
            raise DSLError(f"swap target {target!r}: unknown role {role!r}",
                           hint=f"{did_you_mean(role, ROLES, 2)}roles are {', '.join(ROLES)}")
        return role, block, None
    uses = {(c.role, c.block) for c in calls} | {(e.role, e.block) for c in calls for v in c.kwargs.values()
                                                  for e in _block_exprs(v)}
    roles = sorted({r for r, b in uses if b == target})
    if len(roles) > 1:
        raise DSLError(f"swap target {target!r} is a block of several roles in {net} ({', '.join(roles)})",
                       hint=f"name one: {', '.join(r + '.' + target for r in roles)}")
    if roles:
        return roles[0], target, None
    for c in calls:
        if target == c.name or target in c.targets:
            return c.role, None, c.name
    nodes = ", ".join(c.name for c in calls)
    raise NotApplicable(f"swap target {target!r} matches no role, block or node of {net}",
                        hint=f"roles are {', '.join(ROLES)}; nodes are {nodes}")


def _new_kwargs(role: str, old: dict[str, Any], choice: BlockChoice, accepted: dict[str, Any],
                keep_aux: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    from blocks.registry import INTERFACE_KWARGS, Role

    keep = set(INTERFACE_KWARGS[Role(role)]) | ({"aux"} if keep_aux else set())
    kept = {k: v for k, v in old.items() if k in keep and (k in accepted or k == "aux")}
    dropped = tuple(sorted(k for k in old if k not in kept))
    return {**kept, **dict(choice.kwargs)}, dropped


def apply_swap(calls: list[Call], target: str, choice: BlockChoice, net: str) -> tuple[list[Call], list[SwapNote]]:
    """Apply one swap to the resolved calls of a network; raises `NotApplicable` when it cannot fit."""
    from blocks.registry import BlockError, info

    role, block, node = _target_role_block(target, calls, net)
    if role == "op":
        raise DSLError(f"swap target {target!r}: `op` nodes are plain layers and are not swappable")
    if choice.role and choice.role != role:
        raise DSLError(f"swap {target}={choice}: a {role} slot takes a {role} block, not a {choice.role} block")
    try:
        new_info = info(role, choice.block)
    except BlockError as e:
        raise DSLError(f"swap {target}={choice}: {e}") from None
    for k, v in choice.kwargs:
        message = new_info.keyword_error(k) or new_info.type_error(k, v)
        if message:
            raise DSLError(f"swap {target}={choice}: {message}")

    def matches(r: str, b: str, name: str | None) -> bool:
        if node is not None:
            return name == node
        return r == role and (block is None or b == block)

    def swap_expr(value: Any, owner: str, notes: list[SwapNote]) -> Any:
        if not isinstance(value, BlockExpr):
            return value
        inner = tuple((k, swap_expr(v, owner, notes)) for k, v in value.kwargs)
        if node is None and matches(value.role, value.block, None):
            kwargs, dropped = _new_kwargs(role, dict(inner), choice, new_info.kwargs, False)
            notes.append(SwapNote(owner, f"{value.role}.{value.block}", f"{role}.{choice.block}", dropped))
            return BlockExpr(role, choice.block, tuple(kwargs.items()))
        return BlockExpr(value.role, value.block, inner)

    out, notes = [], []
    for call in calls:
        kwargs = {k: swap_expr(v, f"{call.name}.{k}", notes) for k, v in call.kwargs.items()}
        call = call.with_block(call.role, call.block, kwargs) if kwargs != call.kwargs else call
        if matches(call.role, call.block, call.name):
            if new_info.arity_error(len(call.inputs)):
                raise NotApplicable(f"{new_info.qualname} takes {new_info.inputs_wanted}; node {call.name!r} of {net} "
                                    f"has {len(call.inputs)}", file=call.pos.file, line=call.pos.line,
                                    col=call.pos.col)
            new_kwargs, dropped = _new_kwargs(role, call.kwargs, choice, new_info.kwargs, call.is_aux)
            notes.append(SwapNote(call.name, f"{call.role}.{call.block}", f"{role}.{choice.block}", dropped))
            call = call.with_block(role, choice.block, new_kwargs)
        out.append(call)
    if not notes:
        what = f"{role}.{block}" if block else (f"node {node!r}" if node else f"{role} block")
        raise NotApplicable(f"swap {target}={choice}: {net} has no {what}")
    return out, notes
