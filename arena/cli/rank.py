"""`arena rank RESULTS [--by schedule|seed]`: how far a short schedule (or one seed) ranks networks as another would."""
from __future__ import annotations

from typing import Annotated

import typer

from arena.cli.app import JsonOpt, app, user_errors


@app.command()
def rank(
    folder: Annotated[str, typer.Argument(metavar="RESULTS_DIR", help="A folder of train rows (e.g. the --out of "
                                                                      "`arena run experiments/proxy.toml`).")],
    by: Annotated[str, typer.Option("--by", metavar="schedule|seed", help="Compare the rankings of budgets "
                                    "(settings that differ in their schedule) or of seeds within each budget.")]
    = "schedule",
    json_out: JsonOpt = False,
):
    """Kendall's tau between rankings of networks by mIoU, with its exact permutation p-value."""
    from arena.cli import render
    from arena.report.rank import rank as ranking

    with user_errors():
        result = ranking(folder, by)
    if json_out:
        render.print_json(result)  # NaN (an undefined tau) as null
    else:
        _show(result, render.console())
    if result.get("skipped"):
        typer.echo(f"warning: left out {len(result['skipped'])} train row(s) without a finite mIoU: "
                   f"{', '.join(result['skipped'])}", err=True)


def _fmt(x: float, digits: int = 2) -> str:
    return "-" if x != x else f"{x:.{digits}f}"  # NaN: undefined


def _show(result: dict, console) -> None:
    """Every user string (specs with `[role=block]`, setting labels) escaped: rich would read them as markup."""
    from rich.markup import escape
    from rich.table import Table

    scores = Table(title="mIoU (%) per network, budget and seed", title_justify="left")
    scores.add_column("network")
    columns = []
    for label, by_spec in result["scores"].items():
        seeds = sorted({s for v in by_spec.values() for s in v}, key=str)
        columns += [(label, s) for s in seeds] + [(label, "mean")]
        for s in seeds:
            scores.add_column(escape(f"{label}\nseed {s}"), justify="right")
        scores.add_column(escape(f"{label}\nmean"), justify="right")
    specs = sorted({spec for by_spec in result["scores"].values() for spec in by_spec})
    for spec in specs:
        cells = []
        for label, seed in columns:
            values = result["scores"][label].get(spec, {})
            value = (sum(values.values()) / len(values) if values else float("nan")) if seed == "mean" \
                else values.get(seed, float("nan"))
            cells.append(_fmt(value, 1))
        scores.add_row(escape(spec), *cells)
    console.print(scores)

    agree = Table(title=f"agreement of the rankings (--by {result['by']}): Kendall's tau-b, one-sided exact "
                        "permutation p", title_justify="left")
    for name in ("a", "b", "networks", "tau", "p", "order a", "order b"):
        agree.add_column(name, justify="right" if name in ("networks", "tau", "p") else "left")

    def add(c: dict, a: str, b: str) -> None:
        agree.add_row(escape(a), escape(b), str(c["n"]), _fmt(c["tau"]), _fmt(c["p"], 3),
                      escape(" > ".join(c["order_a"])), escape(" > ".join(c["order_b"])))

    for c in result["comparisons"]:
        mean = " (mean)" if c.get("per_seed") is not None else ""
        add(c, c["a"] + mean, c["b"] + mean)
        for s in c.get("per_seed", []):
            add(s, f"{c['a']} seed {s['seed']}", f"{c['b']} seed {s['seed']}")
    for c in result["published"]:
        add(c, f"{c['a']} (mean)", c["b"])
    console.print(agree)
    console.print(escape(f"p: the share of all orderings of the networks whose tau is at least the observed one "
                         f"(five networks: tau >= 0.8 has p = 5/120 = 0.042; tau = 1 has the smallest p, 1/120). "
                         f"Papers: {result['caveats']}."))
