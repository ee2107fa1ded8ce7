"""Report commands: `arena pareto` (the speed-accuracy front), `arena table` (paper-style tables), `arena demo`."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import app, user_errors

FoldersArg = Annotated[list[str], typer.Argument(metavar="RESULTS_DIR", help="Folders of result rows (*.jsonl).")]
DeviceOpt = Annotated[Optional[str], typer.Option(metavar="D", help="Keep one device (as the rows name it).")]
ResOpt = Annotated[Optional[str], typer.Option("--res", metavar="HxW", help="Keep one resolution.")]
DatasetOpt = Annotated[Optional[str], typer.Option(metavar="D", help="Keep one dataset.")]
ScheduleOpt = Annotated[Optional[str], typer.Option(metavar="S", help="Keep one training schedule.")]
PrecisionOpt = Annotated[Optional[str], typer.Option(metavar="P", help="Keep one precision (fp32, fp16, ...).")]
ModeOpt = Annotated[Optional[str], typer.Option(metavar="M", help="Keep one bench mode (eager, compile, ...).")]
MixedOpt = Annotated[bool, typer.Option("--allow-mixed", help="Allow several devices, resolutions or schedules "
                                        "(one front per setting).")]
SettingOpt = Annotated[Optional[str], typer.Option("--setting", metavar="ID", help="Keep one training setting "
                                                 "(its id, or the first characters: the table lists them).")]
DeltaOpt = Annotated[float, typer.Option("--delta", metavar="POINTS", help="Equivalence margin of an mIoU "
                                         "difference, in points.")]
PublishedOpt = Annotated[bool, typer.Option("--published", help="Add the papers' own figures, marked as such.")]


@app.command()
def pareto(
    folders: FoldersArg,
    x: Annotated[str, typer.Option("--x", metavar="latency|fps|gmacs|params", help="Cost axis.")] = "latency",
    y: Annotated[str, typer.Option("--y", metavar="miou", help="Accuracy axis.")] = "miou",
    device: DeviceOpt = None, res: ResOpt = None, dataset: DatasetOpt = None, schedule: ScheduleOpt = None,
    precision: PrecisionOpt = None, mode: ModeOpt = None, setting: SettingOpt = None, allow_mixed: MixedOpt = False,
    published: PublishedOpt = False,
    log_x: Annotated[bool, typer.Option("--log-x", help="Logarithmic cost axis.")] = False,
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="Where the PNG, PDF and SVG go.")] = "pareto",
    json_out: Annotated[bool, typer.Option("--json", help="Print the front as JSON.")] = False,
):
    """The non-dominated speed-accuracy front per device, resolution and schedule: plot files and a table."""
    from arena.cli import render
    from arena.report.pareto import draw

    with user_errors():
        result = draw(*folders, x=x, y=y, device=device, res=res, dataset=dataset, schedule=schedule,
                      precision=precision, mode=mode, setting=setting, allow_mixed=allow_mixed, out=out, log_x=log_x,
                      published=published)
    _warn_skipped(result.points.attrs.get("skipped"))
    if json_out:
        render.print_json(result.front.to_dict(orient="records"))
        return
    console = render.console()
    console.print(render.front_table(result, x, y))
    for path in result.paths:
        console.print(f"wrote {path}", markup=False)


@app.command()
def table(
    folders: FoldersArg,
    latex: Annotated[Optional[str], typer.Option("--latex", metavar="FILE", help="Write a booktabs table.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table (for READMEs).")] = False,
    published: PublishedOpt = False,
    group_by: Annotated[str, typer.Option(metavar="network|swap|mode", help="Row grouping (mode: each network's deployment modes as sub-rows).")] = "network",
    columns: Annotated[Optional[str], typer.Option(metavar="A,B,...", help="Only these columns (e.g. "
                                                   "Method,GMACs,FPS,mIoU).")] = None,
    device: DeviceOpt = None, res: ResOpt = None, dataset: DatasetOpt = None, schedule: ScheduleOpt = None,
    precision: PrecisionOpt = None, mode: ModeOpt = None, setting: SettingOpt = None, delta: DeltaOpt = 1.0,
    allow_mixed: MixedOpt = False,
):
    """The field's table: Method, Backbone, Resolution, Params, GMACs, FPS, device, mIoU +- CI, delta vs base."""
    from arena.cli import render
    from arena.report import frames, table_format, tables

    with user_errors():
        if latex:
            from arena.checks import writable_file

            writable_file(latex, "the LaTeX table", option="--latex")
        wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
        df = tables.table(frames.summary(frames.load_rows(*folders)), published=published, group_by=group_by,
                          columns=wanted,
                          device=device, res=res, dataset=dataset, schedule=schedule, precision=precision,
                          mode=mode, setting=setting, delta=delta, allow_mixed=allow_mixed)
        if latex:
            from arena import atomic

            atomic.write_text(latex, table_format.to_latex(df))
    _warn_skipped(df.attrs.get("skipped"))
    if markdown:
        typer.echo(table_format.to_markdown(df))
    else:
        render.console().print(render.report_table(df))
    if latex:
        typer.echo(f"wrote {latex}", err=True)


def _warn_skipped(skipped) -> None:
    if skipped:
        typer.echo(f"warning: left out {len(skipped)} train row(s) without a finite mIoU: {', '.join(skipped)}",
                   err=True)


@app.command()
def demo(
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="The demo's own results folder.")] = "arena-demo",
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads (default: all cores).")] = None,
):
    """The main job on the embedded default: profile, bench, train, ablate GAI, plot the front, write the table."""
    from arena.cli import render
    from arena.report.demo import run_demo

    with user_errors():
        from arena.checks import threads as check_threads

        check_threads(threads)
        with render.job_progress("demo") as step:
            outcome = run_demo(out, threads=threads, on_progress=step)
    console = render.console()
    for part in render.demo_report(outcome):
        console.print(part)
