"""Commands about networks and blocks: `arena list`, `arena show`, `arena swaps`, `arena convert`."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import JsonOpt, SwapOpt, app, user_errors
from arena.dsl.ir import ROLES


@app.command("list")
def list_cmd(
    role: Annotated[Optional[str], typer.Argument(metavar="ROLE|nets",
                                                  help=f"A role ({', '.join(ROLES)}) or 'nets'.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also show each block's keywords.")] = False,
    json_out: JsonOpt = False,
):
    """List registered blocks (optionally of one ROLE) and their files, or the networks with `arena list nets`."""
    from arena import describe
    from arena.cli import render

    with user_errors():
        if role == "nets":
            with render.progress("building", total=None) as step:
                rows = describe.net_rows(on_step=step)
        else:
            rows = describe.block_rows(role, verbose=verbose)
    if json_out:
        render.print_json(rows)
    elif role == "nets":
        render.console().print(render.nets_table(rows))
    else:
        render.console().print(render.blocks_table(rows, verbose=verbose))


@app.command()
def show(spec: Annotated[str, typer.Argument(metavar="SPEC|BLOCK", help="A network (fanet18), a hybrid (fanet18[upsampler=gai]), "
                                                   "a path to a .arena file, or a block (gai, upsampler.gai).")],
         swap: SwapOpt = None,
         json_out: JsonOpt = False):
    """Show a network's graph (each node's block, kwargs, input -> output specs, parameters) or a block's keywords."""
    from arena.cli import render

    with user_errors():
        data = _network_or_block(spec, swap)
    if json_out:
        render.print_json(data)
    elif "nodes" in data:
        render.console().print(render.network_tree(data))
    else:
        render.console().print(render.block_tree(data))


def _network_or_block(spec: str, swap: list[str] | None) -> dict:
    """A network when the name is one; else a block of that name; else the network error stands."""
    from arena import describe
    from arena.api import catalogue
    from arena.dsl.errors import DSLError
    from arena.errors import ArenaError

    try:
        return describe.describe_network(spec, swap)
    except DSLError as net_error:
        bare = spec.replace(".", "", 1).isidentifier() and spec.split(".")[0] not in catalogue()
        if not bare or swap or ".arena" in spec:
            raise
        try:
            return describe.block_detail(spec)
        except ArenaError as block_error:
            if str(net_error).startswith("unknown network") and "did you mean" not in str(net_error):
                raise block_error from None  # no network is close: its hint looks among the blocks
            raise net_error from None


@app.command()
def swaps(nets: Annotated[Optional[list[str]], typer.Argument(metavar="NET",
        help="Networks (default: one variant of each published network).")] = None,
          why: Annotated[bool, typer.Option("--why", help="Also print the reason of every n/a cell.")] = False,
          json_out: JsonOpt = False):
    """Print the swap matrix: which `NET[role=block]` hybrids build and run, and which are n/a."""
    from rich.markup import escape

    from arena.cli import render
    from arena.studies.matrix import swap_matrix

    with user_errors(), render.progress("swap matrix") as step:
        cells = swap_matrix(nets, on_step=lambda done, total: step(completed=done) if done < total else None)
    if json_out:
        render.print_json([{"net": c.net, "swap": c.swap, "ok": c.ok, "reason": c.reason} for c in cells])
        return
    console = render.console()
    console.print(render.swaps_table(cells))
    if why:
        for c in cells:
            if not c.ok:
                console.print(escape(f"{c.net}[{c.swap}]: {c.reason}"))


@app.command()
def convert(variant: Annotated[str, typer.Argument(metavar="VARIANT", help="The arena variant the checkpoint belongs to (fanet18, ...).")],
            official: Annotated[str, typer.Option("--official", metavar="CKPT",
                                                  help="A checkpoint saved by the network's official code.")],
            out: Annotated[str, typer.Option("--out", metavar="FILE", help="Where to write the arena checkpoint.")],
            json_out: JsonOpt = False):
    """Map an official checkpoint onto an arena variant and save it (loadable with load_state_dict)."""
    from rich.markup import escape

    from arena.cli import render
    from arena.official import convert as convert_checkpoint

    with user_errors():
        report = convert_checkpoint(variant, official, out)
    if json_out:
        render.print_json(report)
        return
    console = render.console()
    console.print(escape(f"wrote {report['out']}: {report['loaded']} tensors of {report['variant']} from {official}"))
    for key, why in report.get("skipped", {}).items():
        console.print(escape(f"  skipped official {key}: {why}"))
