"""Parse a network file with `ast` into the IR, never executing it.

The grammar is deliberately small (DESIGN.md §3): a docstring, one `def` whose parameters all have
constant defaults, statements that are each one block call, one `return`, and module-level variant
lines. Anything else is a `DSLError` at its line:col with a hint.
"""
from __future__ import annotations

import ast
import warnings
from typing import Any

from arena.dsl.errors import DSLError
from arena.dsl.ir import INPUT_NAME, ROLES, BlockExpr, Call, NetDef, NetFile, Param, Pos, Variant
from blocks.registry import did_you_mean


class _Parser:
    def __init__(self, source: str, path: str):
        self.source, self.path = source, path

    # -- helpers ---------------------------------------------------------------------------------
    def pos(self, node: ast.AST) -> Pos:
        return Pos(self.path, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)

    def error(self, node: ast.AST | Pos, message: str, hint: str = "") -> DSLError:
        p = node if isinstance(node, Pos) else self.pos(node)
        return DSLError(message, file=p.file, line=p.line, col=p.col, hint=hint)

    def disallowed(self, node: ast.AST, what: str = "") -> DSLError:
        what = what or f"{type(node).__name__.lower()} syntax"
        return self.error(node, f"{what} is not allowed in a network file",
                          "each statement is `name = role.block(inputs..., key=value)`; see README 'The DSL'")

    def constant(self, node: ast.expr, allow_names: bool = False) -> Any:
        """A literal: number, string, bool, None, or a list/tuple of them (tuples become lists)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
                and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
            return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.constant(e, allow_names) for e in node.elts]
        if allow_names and isinstance(node, ast.Name):
            return node.id
        raise self.error(node, "expected a constant (number, string, True/False/None or a list of them)",
                         "arithmetic and expressions are not evaluated in a network file")

    def block_name(self, node: ast.expr) -> tuple[str, str]:
        """`role.block` as written in a call or a block-valued argument."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id not in ROLES:
                raise self.error(node, f"unknown role {node.value.id!r}",
                                 f"{did_you_mean(node.value.id, ROLES, 2)}roles are {', '.join(ROLES)}")
            return node.value.id, node.attr
        raise self.error(node, "expected a block call `role.block(...)`",
                         f"roles are {', '.join(ROLES)}")

    # -- values ----------------------------------------------------------------------------------
    def kwarg_value(self, node: ast.expr, params: dict[str, Any]) -> Any:
        if isinstance(node, ast.Name):
            if node.id in params:
                return Param(node.id)
            raise self.error(node, f"{node.id!r} is not a parameter of the network",
                             f"keyword values are constants, block references or one of: "
                             f"{', '.join(params) or '(no parameters)'}")
        if isinstance(node, ast.Attribute):
            role, block = self.block_name(node)
            return BlockExpr(role, block)
        if isinstance(node, ast.Call):
            role, block = self.block_name(node.func)
            if node.args:
                raise self.error(node.args[0], "a block passed as an argument takes keyword arguments only")
            return BlockExpr(role, block, tuple((k.arg, self.kwarg_value(k.value, params))
                                                for k in self.keywords(node)))
        return self.constant(node)

    def keywords(self, call: ast.Call) -> list[ast.keyword]:
        seen = set()
        for kw in call.keywords:
            if kw.arg is None:
                raise self.error(kw.value, "`**kwargs` is not allowed in a network file")
            if kw.arg in seen:
                raise self.error(kw.value, f"keyword {kw.arg!r} given twice")
            seen.add(kw.arg)
        return list(call.keywords)

    # -- statements ------------------------------------------------------------------------------
    def call(self, node: ast.expr, targets: tuple[str, ...], params: dict[str, Any], defined: set[str],
             name: str) -> Call:
        if not isinstance(node, ast.Call):
            raise self.disallowed(node, "a statement that is not a block call")
        role, block = self.block_name(node.func)
        inputs, input_pos = [], []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.disallowed(arg, "`*args`")
            if not isinstance(arg, ast.Name):
                raise self.error(arg, "block inputs must be names of earlier results or `image`",
                                 "assign the inner call to a name on its own line first")
            if arg.id not in defined:
                if arg.id in params:
                    raise self.error(arg, f"{arg.id!r} is a parameter, not a feature",
                                     "pass parameters as keyword arguments")
                raise self.error(arg, f"undefined name {arg.id!r}",
                                 f"defined so far: {', '.join(sorted(defined))}")
            inputs.append(arg.id)
            input_pos.append(self.pos(arg))
        kwargs, kwarg_pos = {}, {}
        for kw in self.keywords(node):
            kwargs[kw.arg] = self.kwarg_value(kw.value, params)
            kwarg_pos[kw.arg] = self.pos(kw)  # the keyword's name, where the fix goes
        return Call(role, block, tuple(inputs), kwargs, targets, self.pos(node), tuple(input_pos), kwarg_pos, name)

    def targets(self, node: ast.Assign, params: dict[str, Any], defined: set[str]) -> tuple[str, ...]:
        if len(node.targets) != 1:
            raise self.disallowed(node, "chained assignment")
        target = node.targets[0]
        elts = target.elts if isinstance(target, ast.Tuple) else [target]
        names = []
        for t in elts:
            if not isinstance(t, ast.Name):
                raise self.disallowed(t, "assignment to anything but a name")
            if t.id in defined or t.id in params or t.id in names:
                raise self.error(t, f"{t.id!r} is already defined", "each name is assigned once: pick a new name")
            names.append(t.id)
        return tuple(names)

    def netdef(self, fn: ast.FunctionDef) -> NetDef:
        a = fn.args
        if a.vararg or a.kwarg or a.posonlyargs or a.kwonlyargs or fn.decorator_list or fn.returns:
            raise self.disallowed(fn, "decorators, *args, **kwargs and annotations")
        if len(a.defaults) != len(a.args):
            missing = a.args[len(a.args) - len(a.defaults) - 1]
            raise self.error(missing, f"parameter {missing.arg!r} needs a default value",
                             "every network parameter has a constant default")
        params: dict[str, Any] = {}
        for arg, default in zip(a.args, a.defaults):
            if arg.arg == INPUT_NAME:
                raise self.error(arg, f"{INPUT_NAME!r} is the network input and cannot be a parameter")
            params[arg.arg] = self.constant(default)
        body = list(fn.body)
        doc = ""
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            doc = body.pop(0).value.value
        defined = {INPUT_NAME}
        calls: list[Call] = []
        output = None
        n_aux = 0
        for stmt in body:
            if output is not None:
                raise self.error(stmt, "statement after `return`", "`return` is the last statement")
            if isinstance(stmt, ast.Assign):
                targets = self.targets(stmt, params, defined)
                calls.append(self.call(stmt.value, targets, params, defined, "_".join(targets)))
                defined.update(targets)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                n_aux += 1
                call = self.call(stmt.value, (), params, defined, f"aux{n_aux}")
                if call.role != "head":
                    raise self.error(stmt, f"a bare call must be an auxiliary head, got {call.role}.{call.block}",
                                     "assign the result to a name: `x = ...`")
                calls.append(call)
            elif isinstance(stmt, ast.Return):
                if stmt.value is None:
                    raise self.error(stmt, "`return` needs a value", "return the logits")
                if isinstance(stmt.value, ast.Name):
                    if stmt.value.id not in defined or stmt.value.id == INPUT_NAME:
                        raise self.error(stmt.value, f"undefined name {stmt.value.id!r}")
                    output = stmt.value.id
                else:
                    name = "logits" if "logits" not in defined else "logits_out"
                    calls.append(self.call(stmt.value, (name,), params, defined, name))
                    output = name
            else:
                raise self.disallowed(stmt, f"`{type(stmt).__name__.lower()}` statement")
        if output is None:
            raise self.error(fn, f"network {fn.name!r} has no `return`", "end the def with `return <logits>`")
        for call in calls:
            if call.is_aux and "aux" not in call.kwargs:
                call.kwargs["aux"] = 1.0  # default loss weight of an auxiliary head
            elif not call.is_aux and "aux" in call.kwargs:
                raise self.error(call.kwarg_pos["aux"], "`aux=` is only for bare auxiliary head calls",
                                 "drop `aux=` or make the call a bare statement")
        return NetDef(fn.name, params, tuple(calls), output, doc, self.pos(fn))

    def parse(self) -> NetFile:
        try:
            with warnings.catch_warnings():  # Python's own warnings (escapes) are not the user's concern here
                warnings.simplefilter("ignore")
                tree = ast.parse(self.source, filename=self.path)
        except SyntaxError as e:
            raise DSLError(f"syntax error: {e.msg}", file=self.path, line=e.lineno or 0, col=e.offset or 0,
                           hint="a network file is restricted Python") from None
        except (ValueError, MemoryError, RecursionError) as e:  # null bytes, absurd nesting
            raise DSLError(f"cannot parse: {e}", file=self.path, line=1, col=1) from None
        body = list(tree.body)
        doc = ""
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            doc = body.pop(0).value.value
        net: NetDef | None = None
        variants: dict[str, Variant] = {}
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef):
                if net is not None:
                    raise self.error(stmt, "a network file has one `def`",
                                     "write variants as `name = net(key=value)` lines")
                net = self.netdef(stmt)
            elif isinstance(stmt, ast.Assign) and net is not None:
                variants[self.variant_name(stmt, net, variants)] = self.variant(stmt, net)
            elif isinstance(stmt, ast.Assign):
                raise self.error(stmt, "variant defined before the network's `def`")
            else:
                raise self.disallowed(stmt, f"`{type(stmt).__name__.lower()}` statement")
        if net is None:
            raise DSLError("no network `def` found", file=self.path, line=1, col=1,
                           hint="a network file defines `def name(param=default, ...):`")
        return NetFile(self.path, doc, net, variants)

    def variant_name(self, stmt: ast.Assign, net: NetDef, variants: dict[str, Variant]) -> str:
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise self.disallowed(stmt, "this assignment")
        name = stmt.targets[0].id
        if name == net.name or name in variants:
            raise self.error(stmt.targets[0], f"{name!r} is already defined", "pick a new variant name")
        return name

    def variant(self, stmt: ast.Assign, net: NetDef) -> Variant:
        value = stmt.value
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
            raise self.error(value, "a variant is `name = net(key=value, ...)`")
        if value.func.id != net.name:
            raise self.error(value.func, f"unknown network {value.func.id!r}", f"this file defines {net.name!r}")
        if value.args:
            raise self.error(value.args[0], "variant arguments must be keywords")
        overrides = {}
        for kw in self.keywords(value):
            if kw.arg not in net.params:
                raise unknown_param(kw.arg, net, self.pos(kw.value))
            overrides[kw.arg] = self.constant(kw.value)
        return Variant(stmt.targets[0].id, net.name, overrides, self.pos(stmt))


def unknown_param(name: str, net: NetDef, pos: Pos) -> DSLError:
    return DSLError(f"{net.name} has no parameter {name!r}", file=pos.file, line=pos.line, col=pos.col,
                    hint=f"{did_you_mean(name, net.params, 2)}parameters are {', '.join(net.params) or '(none)'}")


def parse_source(source: str, path: str = "<string>") -> NetFile:
    """Parse network-file text; raises only `DSLError`."""
    return _Parser(source, path).parse()


def parse_file(path: str) -> NetFile:
    """Parse a `.arena` file from disk."""
    from pathlib import Path

    from arena.checks import file_problem

    p = Path(path)
    problem = file_problem(p)
    if problem and problem not in ("no such file", "it is a folder, not a file"):  # those have their own lines
        raise DSLError(f"cannot read network file {path}: {problem}", file=str(path),
                       hint="pass a .arena file, e.g. blocks/nets/fast_scnn.arena")
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DSLError(f"no such network file: {path}", file=str(path),
                       hint="check the path, or run `arena list nets` for the shipped networks") from None
    except IsADirectoryError:
        raise DSLError(f"{path} is a folder, not a network file", file=str(path),
                       hint="pass a .arena file, e.g. blocks/nets/fast_scnn.arena") from None
    except UnicodeDecodeError as e:
        raise DSLError(f"{path} is not a text network file (byte {e.start} is not UTF-8)", file=str(path),
                       hint="a network file is UTF-8 text in the DSL; see README 'The DSL'") from None
    except OSError as e:
        raise DSLError(f"cannot read network file {path}: {e.strerror or e}", file=str(path)) from None
    if "\0" in text:
        raise DSLError(f"{path} is not a text network file (it holds NUL bytes)", file=str(path),
                       hint="a network file is UTF-8 text in the DSL; see README 'The DSL'")
    return parse_source(text, p.name)
