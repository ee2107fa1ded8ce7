"""Build a resolved network into a GraphNet: substitute parameters, apply swaps, thread specs.

Every user mistake becomes a `DSLError` at the position of the call that caused it, so that a user
sees `s2fpn.arena:31:11: fusion.add inputs are at strides 32, 8 (...)` instead of a torch traceback.
The boundary is narrow on purpose: keywords, types, values and arity are checked here before a
block is constructed, and a block says "you asked for something I cannot build" with `BlockError`.
Any other exception raised inside a block's code is a bug in that block, not a user mistake: it is
re-raised as `BlockInternalError`, which names the block and keeps the original as its cause.
"""
from __future__ import annotations

from typing import Any

from arena.dsl.errors import DSLError
from arena.dsl.ir import INPUT_NAME, BlockExpr, Call, NetFile, Node, Param, Pos
from arena.dsl.spec import BlockChoice
from arena.dsl.swap import SwapNote, apply_swap
from arena.dsl.syntax import unknown_param
from arena.errors import BlockInternalError

# Keywords that name a channel count (or a class count): 0 or less builds an empty network.
POSITIVE_KWARGS = ("out", "classes", "mid", "width", "c_mid")


def _err(pos: Pos, message: str, hint: str = "") -> DSLError:
    return DSLError(message, file=pos.file, line=pos.line, col=pos.col, hint=hint)


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
        _check_param(net.name, key, value, params[key])
        params[key] = value
    return params


def _check_param(net: str, key: str, value: Any, default: Any) -> None:
    """An override has its default's type (an int may stand for a float), and a class count is >= 1."""
    from blocks.registry import type_name, value_fits

    expected = float if type(default) is float else type(default)
    if default is not None and not value_fits(value, expected):
        raise DSLError(f"{net} parameter {key}={value!r} must be {type_name(expected)} (default {key}={default!r})")
    if key in POSITIVE_KWARGS and isinstance(value, int) and value < 1:
        raise DSLError(f"{net} parameter {key}={value} must be >= 1 (default {key}={default!r})")


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


def _block_info(role: str, block: str, pos: Pos):
    from blocks.registry import BlockError, info

    try:
        return info(role, block)
    except BlockError as e:
        raise _err(pos, str(e)) from None


def check_kwarg(block_info, key: str, value: Any, pos: Pos) -> None:
    """The one check of a keyword given to a block: known, of the annotated type, positive if a width."""
    message = block_info.keyword_error(key) or block_info.type_error(key, value)
    if message:
        raise _err(pos, message)
    if key in POSITIVE_KWARGS and isinstance(value, int) and not isinstance(value, bool) and value < 1:
        raise _err(pos, f"{block_info.qualname} keyword {key}={value} must be >= 1",
                   "a channel or class count of at least 1")


def _block_ref(expr: BlockExpr, pos: Pos):
    from blocks.registry import BlockRef, Role

    block_info = _block_info(expr.role, expr.block, pos)
    kwargs = []
    for k, v in expr.kwargs:
        value = _block_ref(v, pos) if isinstance(v, BlockExpr) else _freeze(v)
        check_kwarg(block_info, k, value, pos)
        kwargs.append((k, value))
    return BlockRef(Role(expr.role), expr.block, tuple(kwargs))


def _freeze(value: Any) -> Any:
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def build_nodes(calls: list[Call], in_channels: int = 3, seed: int | None = None,
                device: Any = None) -> tuple[list[Node], dict[str, Any], dict[str, Any]]:
    """Build every node in order, threading FeatureSpecs: (plan, modules by node, spec of every value).

    With `seed`, each node is initialised from its own stream seeded by (seed, node name) (arena.dsl.seeding).
    """
    from arena.dsl.seeding import seeded_node
    from blocks.registry import BlockError, FeatureSpec, Role

    specs: dict[str, FeatureSpec] = {INPUT_NAME: FeatureSpec(in_channels, 1)}
    modules, plan = {}, []
    for call in calls:
        where = f"{call.role}.{call.block}"
        block_info = _block_info(call.role, call.block, call.pos)
        kwargs: dict[str, Any] = {}
        aux = None
        for key, value in call.kwargs.items():
            kpos = call.kwarg_pos.get(key, call.pos)
            if key == "aux" and call.is_aux:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise _err(kpos, f"aux weight must be a number, got {value!r}")
                aux = float(value)
                continue
            value = _block_ref(value, kpos) if isinstance(value, BlockExpr) else _freeze(value)
            check_kwarg(block_info, key, value, kpos)
            kwargs[key] = value
        in_specs = [specs[i] for i in call.inputs]
        arity = block_info.arity_error(len(in_specs))
        if arity:
            raise _err(call.pos, arity, "check the positional arguments of the call")
        # a fusion whose block upsamples a deeper input itself (`upsamples_inside`, BiSeNetV2's BGA) checks
        # its strides in its own constructor
        if (call.role == Role.FUSION.value and len({s.stride for s in in_specs}) > 1
                and not getattr(block_info.cls, "upsamples_inside", False)):
            strides = ", ".join(f"{n}@s{s.stride}" for n, s in zip(call.inputs, in_specs))
            raise _err(call.pos, f"stride mismatch at {where}: inputs {strides}",
                       "bring the deeper input to the skip's stride with an upsampler node first")
        try:
            with seeded_node(seed, call.name, device):
                module = block_info.cls(*in_specs, **kwargs)
        except BlockError as e:
            raise _err(call.pos, f"cannot build {where}: {e}") from None
        except Exception as e:  # noqa: BLE001 - a bug inside the block, never a user mistake
            raise BlockInternalError(where, call.name, f"{call.pos.file}:{call.pos.line}", e) from e
        out_specs = tuple(module.out_specs)
        outputs = call.targets or (call.name,)
        if len(out_specs) != len(outputs):
            raise _err(call.pos, f"{where} returns {len(out_specs)} feature(s) but {len(outputs)} name(s) "
                       f"receive them", f"write {len(out_specs)} target name(s)")
        empty = [str(s) for s in out_specs if s.channels < 1]
        if empty:
            raise _err(call.pos, f"{where} would output {', '.join(empty)}: a feature needs at least 1 channel")
        _check_role_contract(call, in_specs, out_specs)
        specs.update(zip(outputs, out_specs))
        modules[call.name] = module
        plan.append(Node(call.name, Role(call.role), call.block, call.inputs, tuple(outputs), aux,
                         dict(call.kwargs), call.pos.line))
    return plan, modules, specs


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
