"""The architecture contract of DESIGN.md §1, checked over the source with `ast`.

Every arrow points one way (a room never imports a room above it), there are no import cycles,
only `arena/cli/` imports typer or rich, `blocks` never imports `arena`, the role list is one, only
the CLI and the study driver append result rows, and no source file is longer than LINE_LIMIT.
Imports inside functions count too: a lazy import is still an arrow.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINE_LIMIT = 300  # DESIGN.md: files a person reads in one sitting (about 300 lines); README says so
ROW_WRITERS = ("arena.cli", "arena.studies.driver", "arena.store")  # who may call Store.append

# Rank of each room: a module may import only modules of its own rank or lower.
RANKS = [
    ("blocks", 0),
    ("arena.errors", 1), ("arena.env", 1), ("arena.telemetry", 1), ("arena.checks", 1), ("arena.atomic", 1), ("arena.results", 1),
    ("arena.store", 1), ("arena.stats", 1), ("arena.schedule", 1), ("arena.cache", 1), ("arena.jsonl", 1),
    ("arena.dsl", 2),
    ("arena.graph", 3), ("arena.api", 3), ("arena.describe", 3), ("arena.official", 3), ("arena", 3),
    ("arena.families", 3), ("arena.networks", 3),  # plain data, but each family's key table is built of official.keys
    ("arena.measure", 4), ("arena.data", 4), ("arena.train", 5),
    ("arena.studies", 6), ("arena.report", 7), ("arena.cli", 8), ("arena.__main__", 8),
]


def rank(module: str) -> int:
    best = max((p for p, _ in RANKS if module == p or module.startswith(p + ".")), key=len)
    return dict(RANKS)[best]


def modules() -> dict[str, Path]:
    out = {}
    for package in ("arena", "blocks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


MODULES = modules()


def imports(path: Path) -> set[str]:
    """Every module an `import` or `from ... import` names, at any depth of the file.

    `from arena.cli import render` names the module arena.cli.render, not the package arena.cli.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(node.module)
    return found


def project_imports(name: str) -> set[str]:
    """The project modules `name` imports (`from arena import describe` counts as arena.describe)."""
    return {m for m in imports(MODULES[name]) if m in MODULES and m != name}


def test_roles_are_one_list():
    from arena.dsl.ir import ROLES
    from blocks.registry import INTERFACE_KWARGS, Role

    assert ROLES == tuple(r.value for r in Role)
    assert set(INTERFACE_KWARGS) == set(Role)


@pytest.mark.parametrize("name", [m for m in MODULES if not m.startswith("arena.cli")])
def test_only_the_cli_imports_typer_or_rich(name):
    bad = {m for m in imports(MODULES[name]) if m.split(".")[0] in ("typer", "rich", "click")}
    assert not bad, f"{name} imports {', '.join(sorted(bad))}: only arena/cli/ draws the screen"


@pytest.mark.parametrize("name", [m for m in MODULES if m.startswith("blocks")])
def test_blocks_never_import_arena(name):
    bad = {m for m in imports(MODULES[name]) if m.split(".")[0] == "arena"}
    assert not bad, f"{name} imports {', '.join(sorted(bad))}"


@pytest.mark.parametrize("name", list(MODULES))
def test_arrows_point_down(name):
    up = sorted(m for m in project_imports(name) if rank(m) > rank(name) and m != "arena")
    assert not up, f"{name} (rank {rank(name)}) imports rooms above it: {', '.join(up)}"


def test_no_import_cycles():
    graph = {name: project_imports(name) - {"arena", "blocks"} for name in MODULES}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend(stack[stack.index(nxt):] + [node, nxt] if nxt in stack else [node, nxt])
                return True
            if nxt not in state and visit(nxt, stack + [node]):
                return True
        state[node] = 2
        return False

    for name in graph:
        if name not in state and visit(name, []):
            break
    assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_every_op_block_lives_in_ops_py():
    from blocks.registry import Role, all_blocks

    elsewhere = [f"{b.name} ({b.source_file})" for b in all_blocks()
                 if b.role is Role.OP and b.source_file != "blocks/ops.py"]
    assert not elsewhere, elsewhere


def test_the_library_never_prints():
    """Library code returns data; only arena/cli/ writes to the screen."""
    offenders = []
    for name, path in MODULES.items():
        if name.startswith("arena.cli") or name.endswith("__main__"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, offenders


def _store_appends(tree: ast.AST) -> list[int]:
    """Lines that call `.append` on a Store: `Store(...).append`, or a name or attribute called *store*."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"):
            continue
        target = node.func.value
        if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "Store":
            lines.append(node.lineno)
        elif isinstance(target, ast.Name) and "store" in target.id.lower():
            lines.append(node.lineno)
        elif isinstance(target, ast.Attribute) and "store" in target.attr.lower():
            lines.append(node.lineno)
    return lines


def test_only_the_cli_and_the_study_driver_append_rows():
    """Measuring functions (profile, bench, train) return rows; the one who asked writes them."""
    offenders = [f"{name}:{line}" for name, path in MODULES.items()
                 if not name.startswith(ROW_WRITERS)
                 for line in _store_appends(ast.parse(path.read_text(encoding="utf-8")))]
    assert not offenders, offenders
    cli = ast.parse(MODULES["arena.cli.train"].read_text(encoding="utf-8"))
    assert _store_appends(cli), "the detector must see the CLI's own append (a check that cannot fail is none)"


def test_no_source_file_is_longer_than_the_limit():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > LINE_LIMIT}
    assert not long, f"over {LINE_LIMIT} lines, split along its ideas: {long}"
