"""Resolve a parsed network into a GraphNet: substitute parameters, apply swaps, thread specs.

Every failure becomes a `DSLError` at the position of the call that caused it, so that a user sees
`s2fpn.arena:31:11: fusion.add inputs are at strides 32, 8 (...)` instead of a torch traceback.
"""
from __future__ import annotations

import difflib
from typing import Any

from arena.dsl.errors import DSLError
from arena.dsl.ir import BlockExpr, Call, NetFile, Param, Pos
from arena.dsl.spec import BlockChoice
from arena.dsl.swap import SwapNote, apply_swap
from arena.dsl.syntax import INPUT_NAME, unknown_param


def _err(pos: Pos, message: str, hint: str = "", cls: type = DSLError) -> DSLError:
    return cls(message, file=pos.file, line=pos.line, col=pos.col, hint=hint)


def _substitute(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, Param):
        return params[value.name]
    if isinstance(value, BlockExpr):
        return BlockExpr(value.role, value.block, tuple((k, _substitute(v, params)) for k, v in value.kwargs))
    return value


def entry_params(netfile: NetFile, entry: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The def's parameters for a variant, with user overrides applied (unknown names fail)."""
    net = netfile.net
    if entry == net.name:
        params = dict(net.params)
    elif entry in netfile.variants:
        params = {**net.params, **netfile.variants[entry].overrides}
    else:
        raise DSLError(f"{netfile.path} defines no network {entry!r}",
                       hint=f"it defines {', '.join(netfile.entry_names())}")
    for key, value in overrides.items():
        if key not in params:
            raise unknown_param(key, net, net.pos)
        params[key] = value
    return params


def resolved_calls(netfile: NetFile, params: dict[str, Any],
                   swaps: dict[str, BlockChoice]) -> tuple[list[Call], list[SwapNote]]:
    """The def's calls with parameters substituted and swaps applied, not yet built."""
    calls = [c.with_block(c.role, c.block, {k: _substitute(v, params) for k, v in c.kwargs.items()})
             if any(isinstance(v, (Param, BlockExpr)) for v in c.kwargs.values()) else c
             for c in netfile.net.calls]
    notes: list[SwapNote] = []
    for target, choice in swaps.items():
        calls, new = apply_swap(calls, target, choice, netfile.net.name)
        notes.extend(new)
    return calls, notes


def _block_ref(expr: BlockExpr, pos: Pos):
    from blocks.registry import BlockError, BlockRef, Role, info

    try:
        block_info = info(expr.role, expr.block)
    except BlockError as e:
        raise _err(pos, str(e)) from None
    kwargs = []
    for k, v in expr.kwargs:
        if k not in block_info.kwargs:
            raise _err(pos, f"{expr.role}.{expr.block} has no keyword {k!r}",
                       f"its keywords are {', '.join(block_info.kwargs) or '(none)'}")
        kwargs.append((k, _block_ref(v, pos) if isinstance(v, BlockExpr) else _freeze(v)))
    return BlockRef(Role(expr.role), expr.block, tuple(kwargs))


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def build_graph(netfile: NetFile, entry: str, params: dict[str, Any], calls: list[Call],
                notes: list[SwapNote], canonical: str, in_channels: int = 3):
    """Build every node in order, threading FeatureSpecs; returns a GraphNet."""
    from blocks.registry import BlockError, FeatureSpec, Role, info

    from arena.graph import GraphNet, Node

    specs: dict[str, FeatureSpec] = {INPUT_NAME: FeatureSpec(in_channels, 1)}
    modules, plan = {}, []
    for call in calls:
        where = f"{call.role}.{call.block}"
        try:
            block_info = info(call.role, call.block)
        except BlockError as e:
            raise _err(call.pos, str(e)) from None
        kwargs: dict[str, Any] = {}
        aux = None
        for key, value in call.kwargs.items():
            kpos = call.kwarg_pos.get(key, call.pos)
            if key == "aux" and call.is_aux:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise _err(kpos, f"aux weight must be a number, got {value!r}")
                aux = float(value)
                continue
            if key not in block_info.kwargs:
                close = difflib.get_close_matches(key, block_info.kwargs, n=2)
                hint = f"did you mean {' or '.join(close)}? " if close else ""
                raise _err(kpos, f"{where} has no keyword {key!r}",
                           f"{hint}its keywords are {', '.join(block_info.kwargs) or '(none)'}")
            kwargs[key] = _block_ref(value, kpos) if isinstance(value, BlockExpr) else _freeze(value)
        in_specs = [specs[i] for i in call.inputs]
        arity = block_info.arity
        if (arity is not None and arity != len(in_specs)) or (arity is None and not in_specs):
            want = f"{arity} input{'s' * (arity != 1)}" if arity is not None else "one or more inputs"
            raise _err(call.pos, f"{where} takes {want}, got {len(in_specs)}",
                       "check the positional arguments of the call")
        if call.role == Role.FUSION.value and len({s.stride for s in in_specs}) > 1:
            strides = ", ".join(f"{n}@s{s.stride}" for n, s in zip(call.inputs, in_specs))
            raise _err(call.pos, f"stride mismatch at {where}: inputs {strides}",
                       "bring the deeper input to the skip's stride with an upsampler node first")
        try:
            module = block_info.cls(*in_specs, **kwargs)
        except (BlockError, ValueError, TypeError, RuntimeError, KeyError, IndexError, ZeroDivisionError) as e:
            raise _err(call.pos, f"cannot build {where}: {e}") from None
        out_specs = tuple(module.out_specs)
        outputs = call.targets or (call.name,)
        if len(out_specs) != len(outputs):
            raise _err(call.pos, f"{where} returns {len(out_specs)} feature(s) but {len(outputs)} name(s) "
                       f"receive them", f"write {len(out_specs)} target name(s)")
        _check_role_contract(call, in_specs, out_specs)
        specs.update(zip(outputs, out_specs))
        modules[call.name] = module
        plan.append(Node(call.name, Role(call.role), call.block, call.inputs, tuple(outputs), aux,
                         dict(call.kwargs), call.pos.line))
    return GraphNet(entry, canonical, plan, modules, specs, netfile.net.output,
                    netfile.net.doc or netfile.doc, tuple(notes))


def _check_role_contract(call: Call, in_specs, out_specs) -> None:
    """The role promises of DESIGN.md §2 that a swap relies on."""
    where = f"{call.role}.{call.block}"
    if call.role == "attention" and tuple(out_specs) != tuple(in_specs[:1]):
        raise _err(call.pos, f"{where} changed its input {in_specs[0]} into {out_specs[0]}",
                   "an attention block keeps channels and stride")
    if call.role == "upsampler" and out_specs[0].stride != in_specs[1].stride:
        raise _err(call.pos, f"{where} landed at stride {out_specs[0].stride}, not the guide's {in_specs[1].stride}")
    if call.role == "pyramid" and out_specs[0].stride != in_specs[0].stride:
        raise _err(call.pos, f"{where} changed the stride {in_specs[0].stride} -> {out_specs[0].stride}")
