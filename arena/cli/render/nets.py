"""Tables and trees of `arena list`, `show`, `swaps` and `verify`."""
from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Column, Table
from rich.tree import Tree


# -- arena list -----------------------------------------------------------------------------------
def blocks_table(rows: list[dict[str, Any]], verbose: bool = False) -> Table:
    table = Table(Column("role", no_wrap=True), Column("name", no_wrap=True), "summary", "paper",
                  Column("file", no_wrap=True), *(["keywords (default)"] if verbose else []), title="blocks")
    for r in rows:
        extra = [escape(", ".join(f"{k['name']}={k['default']!r}" for k in r["keywords"]))] if verbose else []
        table.add_row(r["role"], r["name"], escape(r["summary"]), escape(r["paper"]), r["file"], *extra)
    return table


def nets_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(Column("network", no_wrap=True), Column("family", no_wrap=True),
                  Column("inference params", no_wrap=True, justify="right"),
                  Column("with aux", no_wrap=True, justify="right"), Column("file", no_wrap=True),
                  Column("documentation", no_wrap=True), title="networks")
    for r in rows:
        table.add_row(r["name"], r["family"], f"{r['params']:,}", f"{r['params_total']:,}", r["file"], r["doc"])
    return table


# -- arena show -----------------------------------------------------------------------------------
def block_tree(d: dict[str, Any]) -> Tree:
    inputs = d["inputs"]
    tree = Tree(f"[bold]{d['role']}.{d['name']}[/]  {escape(d['summary'])}")
    tree.add(f"paper: {escape(d['paper'] or '-')}")
    tree.add(f"file: {d['file']}")
    tree.add(f"feature inputs: {inputs}")
    kw = tree.add("keywords (default, type)")
    for k in d["keywords"]:
        tag = "  [yellow]interface: kept on a swap[/]" if k["interface"] else ""
        kw.add(f"[cyan]{k['name']}[/] = {escape(repr(k['default']))}  [dim]{escape(k['type'])}[/]{tag}")
    if not d["keywords"]:
        kw.add("(none)")
    rest = d["doc"].split("\n", 1)[1].strip() if "\n" in d["doc"] else ""
    if rest:  # the docstring beyond its first line, which is the summary above
        tree.add(escape(rest))
    return tree


def network_tree(d: dict[str, Any]) -> Tree:
    corners = "aligned" if d["final_align_corners"] else "not aligned"
    tree = Tree(f"[bold]{escape(d['spec'])}[/]  output stride {d['output_stride']} (deepest feature; logits at "
                f"1/{d['logits_stride']}), {d['classes']} classes, "
                f"final resize bilinear, corners {corners} (final_align_corners={d['final_align_corners']})")
    for r in d["nodes"]:
        tag = f" [yellow](aux, weight {r['aux']})[/]" if r["aux"] is not None else ""
        tree.add(f"[cyan]{r['node']}[/] = [green]{r['role']}.{r['block']}[/]({escape(r['kwargs'])}){tag}\n"
                 f"   {escape(r['inputs'] or 'image')} -> {escape(r['outputs'])}   "
                 f"[magenta]{r['params']:,} params[/]")
    for note in d["swapped"]:
        tree.add(f"[yellow]swapped[/] {escape(note)}")
    tree.add(f"[bold]parameters[/]: inference {d['params_inference']:,}, total {d['params_total']:,} "
             f"(auxiliary heads {d['params_total'] - d['params_inference']:,})")
    return tree


# -- arena swaps ----------------------------------------------------------------------------------
def swaps_table(cells) -> Table:
    columns = list(dict.fromkeys(c.net for c in cells))
    table = Table(Column("swap", no_wrap=True), *(Column(n, justify="center", no_wrap=True) for n in columns),
                  title="swap matrix (ok = builds and runs; n/a = rejected by the DSL)")
    grid: dict[str, dict[str, str]] = {}
    for c in cells:
        grid.setdefault(c.swap, {})[c.net] = "[green]ok[/]" if c.ok else "[dim]n/a[/]"
    for swap, row in grid.items():
        table.add_row(escape(swap), *(row[n] for n in columns))
    return table


# -- arena verify ---------------------------------------------------------------------------------
def verify_table(rows: list[dict[str, Any]]) -> Table:
    res = rows[0]["resolutions"] if rows else ["512x1024", "1024x2048"]
    cols = ["variant", "params", "expected", "official"]
    for r in res:
        cols += [f"GMACs {r}", "official"]
    table = Table(*(Column(c, no_wrap=True) for c in cols), Column("documentation", no_wrap=True),
                  Column("match", no_wrap=True), title="arena vs the official code")
    from arena.networks import FAMILIES

    for r in rows:
        cells = [r["variant"], f"{r['params']:,}", f"{r['params_expected']:,}", f"{r['params_official']:,}"]
        for ours, ref in zip(r["gmacs"], r["gmacs_official"]):
            cells += [f"{ours:.3f}", f"{ref:.3f}"]
        table.add_row(*cells, FAMILIES[r["family"]].doc, "[green]yes[/]" if r["ok"] else "[red]NO[/]")
    return table
