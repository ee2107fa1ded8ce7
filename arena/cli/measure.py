"""Commands that measure: `arena profile` (parameters, MACs, memory) and `arena verify` (against the specs)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import JsonOpt, SwapOpt, app, user_errors

ResOpt = Annotated[Optional[list[str]], typer.Option("--res", "-r", metavar="HxW",
                                                     help="Resolution, repeatable (default 512x1024).")]
OutOpt = Annotated[str, typer.Option("--out", metavar="DIR", show_default=False,
                                     help="Append result rows under DIR (default: ./results in the working directory).")]


@app.command()
def profile(
    specs: Annotated[list[str], typer.Argument(metavar="SPEC", help="Networks or hybrids (fanet18, fanet18[upsampler=gai]), "
                                                    "or 'all' for every published variant.")],
    res: ResOpt = None,
    classes: Annotated[Optional[int], typer.Option(metavar="N", help="Number of classes, >= 1 "
                                                                     "(default: the network's).")] = None,
    swap: SwapOpt = None,
    by_node: Annotated[bool, typer.Option("--by-node", help="Also print every node.")] = False,
    cross_check: Annotated[bool, typer.Option("--cross-check", help="Also count with fvcore and ptflops "
                                                                    "(backend='aten'), each in its own process; "
                                                                    "runs real compute.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print result rows as JSON lines.")] = False,
    out: OutOpt = "results",
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not append rows to the results store.")] = False,
    max_memory: Annotated[Optional[float], typer.Option(metavar="GiB", help="Refuse sizes whose estimated "
                                                        "activations exceed this many GiB (default: this "
                                                        "machine's RAM).")] = None,
):
    """Parameters, MACs (GMACs; GFLOPs = 2 x GMACs) and activation memory, by role and by node."""
    import json

    from arena import results
    from arena.cli import render
    from arena.measure import profile as prof

    console = render.console()
    with user_errors():
        if specs == ["all"]:
            specs = list(prof.PUBLISHED)
        resolutions = [prof.parse_res(r) for r in (res or ["512x1024"])]
        prof.check_classes(classes)
        if max_memory is not None and max_memory <= 0:
            raise prof.ProfileError(f"--max-memory must be a positive number of GiB, got {max_memory:g}")
        max_bytes = int(max_memory * 2**30) if max_memory else None
        folder = None if no_save else results.writable_dir(out)  # refused before any work is done
        rows = []
        jobs = [(s, r) for s in specs for r in resolutions]
        with render.progress("profile", total=len(jobs)) as step:
            for spec, (h, w) in jobs:
                step(f"{spec} @ {h}x{w}", advance=0)
                p = prof.profile(spec, (h, w), classes=classes, swaps=swap, cross_check=cross_check,
                                 max_bytes=max_bytes)
                rows.append(prof.to_row(p))
                if json_out:
                    typer.echo(json.dumps(rows[-1], default=str))
                else:
                    for part in render.profile_tables(p, by_node=by_node):
                        console.print(part)
                step()
        if folder is not None:
            path = results.append(folder / "profile.jsonl", rows)
            if not json_out:
                typer.echo(f"appended {len(rows)} row(s) to {path}", err=True)


@app.command()
def verify(variants: Annotated[Optional[list[str]], typer.Argument(metavar="VARIANT",
        help="Published variants (default: all of them).")] = None,
           json_out: JsonOpt = False):
    """Our parameters and MACs beside each variant's official figures (tolerance 0.5 % params, 2 % MACs)."""
    from rich.markup import escape

    from arena.cli import render
    from arena.measure.verify import compare

    with user_errors():
        with render.progress("verify") as step:
            rows = compare(variants, on_step=step)
    ok = all(r["ok"] for r in rows)
    if json_out:
        render.print_json(rows)
    else:
        console = render.console()
        console.print(render.verify_table(rows))
        for r in rows:
            if r["note"]:
                console.print(escape(f"{r['variant']}: {r['note']}; expected = official - "
                                     f"{r['unused_params']:,}"))
        console.print("MACs: arena's primary counter (FlopCounterMode + documented costs), on meta tensors; "
                      "official figures: fvcore on the official code. GFLOPs = 2 x GMACs.")
    if not ok:
        raise typer.Exit(1)
