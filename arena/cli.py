"""The `arena` command line: thin typer commands over library functions.

Nothing heavy is imported at module level (torch, pandas, the blocks), so `arena --help` is fast;
each command imports what it needs. Every user mistake ends in one line on stderr naming the problem
and the fix, with exit code 2; `--debug` shows the traceback instead.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Annotated, Optional

import typer

from arena import __version__

app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,  # plain help: rich help costs ~0.3 s of imports
                  pretty_exceptions_enable=False,
                  help="Benchmark and ablation workbench for real-time semantic segmentation.")
_state = {"debug": False}

SwapOpt = Annotated[Optional[list[str]], typer.Option(
    "--swap", "-s", help="Swap a slot: ROLE|BLOCK|NODE=BLOCK[(k=v)], e.g. upsampler=gai(iters=1). Repeatable.")]


def _user_errors():
    """Exception types that are user mistakes (printed as one line), imported lazily."""
    from arena.errors import ArenaError

    types: list[type] = [ArenaError]
    if "blocks.registry" in sys.modules:
        types.append(sys.modules["blocks.registry"].BlockError)
    return tuple(types)


@contextlib.contextmanager
def user_errors():
    """Turn a user mistake into `error: <one line>` and exit code 2 (traceback only with --debug)."""
    try:
        yield
    except Exception as e:  # noqa: BLE001 - filtered just below
        if _state["debug"] or not isinstance(e, _user_errors()):
            raise
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None


def with_swaps(spec: str, swaps: list[str] | None) -> str:
    """Fold `--swap` options into the spec string (`net[a=b]` + `c=d` -> `net[a=b,c=d]`)."""
    if not swaps:
        return spec
    if spec.endswith("]") and "[" in spec:
        return spec[:-1] + "," + ",".join(swaps) + "]"
    return f"{spec}[{','.join(swaps)}]"


def _version(value: bool):
    if value:
        typer.echo(f"arena {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")] = False,
):
    """Benchmark and ablation workbench for real-time semantic segmentation."""
    _state["debug"] = debug


@app.command("list")
def list_cmd(role: Annotated[Optional[str], typer.Argument(
        help="A role (backbone, downsampler, attention, pyramid, upsampler, fusion, head, op) or 'nets'.")] = None):
    """List registered blocks (optionally of one ROLE), or the shipped networks with `arena list nets`."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Column, Table

    from arena import describe

    with user_errors():
        if role == "nets":
            table = Table(Column("network", no_wrap=True), Column("inference params", no_wrap=True),
                          Column("with aux", no_wrap=True), Column("file", overflow="fold"),
                          Column("spec", overflow="fold"), title="networks")
            for r in describe.net_rows():
                table.add_row(r["name"], f"{r['params']:,}", f"{r['params_total']:,}", r["file"], r["spec"])
        else:
            table = Table(Column("role", no_wrap=True), Column("name", no_wrap=True), "summary", "paper",
                          title="blocks")
            for r in describe.block_rows(role):
                table.add_row(r["role"], r["name"], escape(r["summary"]), escape(r["paper"]))
    Console().print(table)


@app.command()
def show(spec: Annotated[str, typer.Argument(help="A network (fanet18), a hybrid (fanet18[upsampler=gai]) "
                                                   "or a path to a .arena file.")],
         swap: SwapOpt = None):
    """Show a network's graph: each node's block, kwargs, input -> output specs and parameters."""
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    from arena import describe

    with user_errors():
        net = describe.build_meta(with_swaps(spec, swap))
        rows = describe.graph_rows(net)
    counts = net.param_counts()
    tree = Tree(f"[bold]{escape(net.canonical)}[/]  output stride {net.output_stride}, {net.classes} classes")
    for r in rows:
        tag = f" [yellow](aux, weight {r['aux']})[/]" if r["aux"] is not None else ""
        label = (f"[cyan]{r['node']}[/] = [green]{r['role']}.{r['block']}[/]({escape(r['kwargs'])}){tag}\n"
                 f"   {escape(r['inputs'] or 'image')} -> {escape(r['outputs'])}   [magenta]{r['params']:,} params[/]")
        tree.add(label)
    for note in net.swaps:
        tree.add(f"[yellow]swapped[/] {escape(str(note))}")
    tree.add(f"[bold]parameters[/]: inference {counts['inference']:,}, total {counts['total']:,} "
             f"(auxiliary heads {counts['total'] - counts['inference']:,})")
    Console().print(tree)


@app.command()
def profile(
    specs: Annotated[list[str], typer.Argument(help="Networks or hybrids (fanet18, fanet18[upsampler=gai]), "
                                                    "or 'all' for every published variant.")],
    res: Annotated[Optional[list[str]], typer.Option("--res", "-r", help="HxW, repeatable (default 512x1024).")] = None,
    classes: Annotated[Optional[int], typer.Option(help="Number of classes (default: the network's).")] = None,
    swap: SwapOpt = None,
    by_node: Annotated[bool, typer.Option("--by-node", help="Also print every node.")] = False,
    cross_check: Annotated[bool, typer.Option("--cross-check", help="Also count with fvcore and ptflops "
                                                                    "(backend='aten'), each in its own process; "
                                                                    "runs real compute.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print result rows as JSON lines.")] = False,
    out: Annotated[Optional[str], typer.Option(help="Append rows to OUT/profile.jsonl (default: results/).")] = "results",
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not append rows to the results store.")] = False,
    max_memory: Annotated[Optional[float], typer.Option(help="Refuse sizes whose estimated activations exceed "
                                                              "this many GiB (default: this machine's RAM).")] = None,
):
    """Parameters, MACs (GMACs; GFLOPs = 2 x GMACs) and activation memory, by role and by node."""
    import json
    from pathlib import Path

    from arena import profile as prof

    with user_errors():
        if specs == ["all"]:
            specs = list(prof.PUBLISHED)
        rows = []
        resolutions = [prof.parse_res(r) for r in (res or ["512x1024"])]
        max_bytes = int(max_memory * 2**30) if max_memory else None
        for spec in specs:
            for h, w in resolutions:
                p = prof.profile(with_swaps(spec, swap), (h, w), classes=classes, cross_check=cross_check,
                                 max_bytes=max_bytes)
                rows.append(prof.to_row(p))
                if json_out:
                    typer.echo(json.dumps(rows[-1], default=str))
                else:
                    prof.render(p, by_node=by_node)
        if not no_save and out:
            from arena import results

            path = results.append(Path(out) / "profile.jsonl", rows)
            if not json_out:
                typer.echo(f"appended {len(rows)} row(s) to {path}", err=True)


@app.command()
def verify(variants: Annotated[Optional[list[str]], typer.Argument(
        help="Published variants (default: all of them).")] = None):
    """Our parameters and MACs beside each spec's official figures (tolerance 0.5 % params, 2 % MACs)."""
    from rich.console import Console
    from rich.table import Table

    from rich.table import Column

    from arena.published import SPEC_FIGURES, compare

    with user_errors():
        unknown = [v for v in variants or [] if v not in SPEC_FIGURES]
        if unknown:
            from arena.errors import ArenaError
            raise ArenaError(f"no official figures for {', '.join(unknown)}: choose from {', '.join(SPEC_FIGURES)}")
        rows = compare(variants)
    cols = [Column(c, no_wrap=True) for c in ("variant", "params", "spec params", "GMACs 512x1024", "spec",
                                              "GMACs 1024x2048", "spec")]
    table = Table(*cols, Column("spec file", overflow="fold"), "match", title="arena vs the official code (specs/*.md)")
    for r in rows:
        ok = r["params_ok"] and r["macs_ok"]
        table.add_row(r["variant"], f"{r['params']:,}", f"{r['params_spec']:,}", f"{r['gmacs_half']:.3f}",
                      f"{r['gmacs_half_spec']:.3f}", f"{r['gmacs_full']:.2f}", f"{r['gmacs_full_spec']:.2f}",
                      r["spec"], "[green]yes[/]" if ok else "[red]NO[/]")
    console = Console()
    console.print(table)
    for r in rows:
        if r["note"]:
            console.print(f"{r['variant']}: {r['note']}")
    console.print("MACs: arena's primary counter (FlopCounterMode + documented costs), on meta tensors; "
                  "spec figures: fvcore on the official code. GFLOPs = 2 x GMACs.")
    if not all(r["params_ok"] and r["macs_ok"] for r in rows):
        raise typer.Exit(1)


@app.command()
def swaps(nets: Annotated[Optional[list[str]], typer.Argument(
        help="Networks (default: one variant of each published network).")] = None,
          why: Annotated[bool, typer.Option("--why", help="Also print the reason of every n/a cell.")] = False):
    """Print the swap matrix: which `NET[role=block]` hybrids build and run, and which are n/a."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Column, Table

    from arena.swaps import swap_matrix

    with user_errors():
        from arena.api import resolve
        for net in nets or []:
            resolve(net)  # unknown names fail here with close matches
        cells = swap_matrix(nets)
    columns = list(dict.fromkeys(c.net for c in cells))
    table = Table(Column("swap", no_wrap=True), *(Column(n, justify="center") for n in columns),
                  title="swap matrix (ok = builds and runs; n/a = rejected by the DSL)")
    grid: dict[str, dict[str, str]] = {}
    for c in cells:
        grid.setdefault(c.swap, {})[c.net] = "[green]ok[/]" if c.ok else "[dim]n/a[/]"
    for swap, row in grid.items():
        table.add_row(swap, *(row[n] for n in columns))
    console = Console()
    console.print(table)
    if why:
        for c in cells:
            if not c.ok:
                console.print(escape(f"{c.net}[{c.swap}]: {c.reason}"), highlight=False)


# New commands are added above this line, each a thin wrapper over a library function.


def main():
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
