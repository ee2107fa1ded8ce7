"""Tables of `arena train`, `ablate`, `run`, `pareto`, `table` and `demo`."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Iterator

from rich.markup import escape
from rich.table import Column, Table

from arena.cli.render.common import console


# -- arena train ----------------------------------------------------------------------------------
@contextlib.contextmanager
def training_progress() -> Iterator:
    """A rich bar (loss, lr, images/s, ETA) on a terminal; one plain line per log entry otherwise."""
    if not sys.stdout.isatty():
        def line(e: dict[str, Any]) -> None:
            if "val_miou" in e:
                sys.stdout.write(f"iter {e['iter']}/{e['iters']}  val mIoU {100 * e['val_miou']:.2f}\n")
            else:
                sys.stdout.write(f"iter {e['iter']}/{e['iters']}  loss {e['loss']:.4f}  lr {e['lr']:.2e}  "
                                 f"{e['images_per_s']:.1f} img/s\n")
            sys.stdout.flush()
        yield line
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                  TimeRemainingColumn(), console=console()) as bar:
        task = bar.add_task("train", total=None, info="")

        def update(e: dict[str, Any]) -> None:
            if "val_miou" in e:
                bar.console.print(f"iter {e['iter']}: val mIoU {100 * e['val_miou']:.2f}")
                return
            bar.update(task, total=e["iters"], completed=e["iter"],
                       info=f"loss {e['loss']:.3f}  lr {e['lr']:.1e}  {e['images_per_s']:.1f} img/s")
        yield update


def train_summary(row: dict[str, Any]) -> Table:
    m, p = row["metrics"], row["protocol"]
    table = Table("", "", title=escape(f"{row['spec']} trained: {row['schedule']} schedule, seed {row['seed']}, "
                                       f"{row['dataset']}"), show_header=False)
    table.add_row("val mIoU", f"{100 * m['miou']:.2f} %  (pixel accuracy {100 * m['pixel_acc']:.2f} %)")
    worst = sorted(((v, k) for k, v in m["iou"].items() if v is not None))[:3]
    table.add_row("weakest classes", escape(", ".join(f"{k} {100 * v:.1f}" for v, k in worst)))
    table.add_row("iterations", f"{m['iterations']} x batch {p['batch_per_rank']} x {p['world']} process(es), "
                                f"crop {p['crop'][0]}x{p['crop'][1]}")
    table.add_row("final loss", "-" if m["final_loss"] is None else f"{m['final_loss']:.4f}")
    table.add_row("speed", f"{m['images_per_s']:.1f} images/s, {m['wall_s']:.1f} s, data wait "
                           f"{100 * m['data_wait_fraction']:.1f} %")
    table.add_row("run folder", escape(m["run_dir"]))
    return table


# -- arena ablate / arena run ---------------------------------------------------------------------
def _interval(d: dict[str, Any], scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
    mean, low, high = d["mean"] * scale, d["low"] * scale, d["high"] * scale
    text = f"{mean:+.{digits}f}{unit} [{low:+.{digits}f}, {high:+.{digits}f}]"
    return text + (" [yellow]inconclusive[/]" if d["verdict"] == "inconclusive" else "")


def ablation_tables(table: list[dict[str, Any]], outcome: dict[str, Any]) -> list[Any]:
    """Per network: deltas (swapped - base) in params, GMACs, latency and mIoU, with paired 95 % intervals."""
    out: list[Any] = []
    t = Table(Column("network", no_wrap=True), Column("swap", no_wrap=True), Column("params", justify="right"),
              Column("GMACs", justify="right"), Column(escape("latency ms [95 % CI]"), no_wrap=True),
              Column(escape("mIoU points [95 % CI]"), no_wrap=True), Column("per-seed mIoU deltas", no_wrap=True),
              title="ablation: swapped - base (paired by seed; latency paired by interleaved round)")
    for e in table:
        if not e["applicable"]:
            t.add_row(e["network"], escape(e["swap"]), "n/a", "", "", "", escape(e["reason"]))
            continue
        params = f"{e['params']['delta']:+,}" if "params" in e else "-"
        gmacs = f"{e['gmacs']['delta']:+.3f}" if "gmacs" in e else "-"
        lat = _interval(e["latency_ms"], digits=1) + f" (x{e['latency_ms']['ratio']:.2f})" if "latency_ms" in e else "-"
        if "miou" in e and "mean" in e["miou"]:
            miou = _interval(e["miou"], scale=100)
            seeds = ", ".join(f"{100 * d:+.2f}" for d in e["miou"]["deltas"])
        elif "miou" in e:
            miou, seeds = escape(e["miou"]["verdict"]), ", ".join(f"{100 * d:+.2f}" for d in e["miou"]["deltas"])
        else:
            miou, seeds = "-", ""
        t.add_row(e["network"], escape(e["swap"]), params, gmacs, lat, miou, seeds)
    out.append(t)
    out.append(study_summary(outcome))
    out.append("[dim]Intervals: mean difference with a paired t-interval at 95 % (df = n - 1); an interval that "
               "contains 0 is inconclusive, never a gain. mIoU in points on the synthetic validation set unless "
               "the study names a dataset.[/]")
    return out


def study_summary(o: dict[str, Any]) -> str:
    parts = [f"study {o['study']}: {o['jobs']} jobs, {o['skipped']} already done, {o['to_run']} to run"]
    if "rows_written" in o:
        parts.append(f"{o['rows_written']} rows written to {o['out']}")
    if o.get("estimated_s") is not None:
        parts.append(f"estimated {o['estimated_s'] / 60:.1f} min on this CPU (rough: ~20 GMAC/s)")
    if o.get("held_failed"):
        parts.append(f"{len(o['held_failed'])} failed before (--retry-failed runs them)")
    if o.get("failed"):
        parts.append(f"[red]{len(o['failed'])} failed[/]: " + escape("; ".join(f"{j}: {e}" for j, e in o["failed"][:3])))
    if o.get("not_applicable"):
        parts.append(f"{len(o['not_applicable'])} n/a cells")
    text = "; ".join(parts) + f" (engine: {escape(str(o['engine']))})"
    if o.get("plan") is not None:
        text += "\n" + "\n".join(f"  {escape(label)}" for label in o["plan"])
    return text


# -- arena pareto / table / demo ------------------------------------------------------------------
def front_table(result, x: str, y: str) -> Table:
    front = result.front
    t = Table(Column("group", no_wrap=True), Column("network", no_wrap=True), Column(x, justify="right"),
              Column(y, justify="right"), title="the non-dominated front", caption=escape(result.caption))
    xc = {"latency": "latency_ms", "fps": "fps", "gmacs": "gmacs", "params": "params"}.get(x, x)
    for _, r in front.iterrows():
        t.add_row(escape(str(r.get("group", ""))), escape(str(r["spec"])), f"{r[xc]:.4g}", f"{r[y]:.2f}")
    return t


def report_table(df) -> Table:
    from arena.report.tables import _display_columns

    columns = _display_columns(df, None)
    t = Table(*(Column(escape(str(c)), no_wrap=True) for c in columns))
    for _, r in df.iterrows():
        t.add_row(*(escape("" if v is None or (isinstance(v, float) and v != v) else
                           (f"{v:.3g}" if isinstance(v, float) else str(v))) for v in (r[c] for c in columns)))
    return t


def demo_report(o: dict[str, Any]) -> list[Any]:
    parts: list[Any] = []
    for run in o["runs"]:
        parts.append(study_summary(run))
    parts += ablation_tables(o["ablation"], o["runs"][-1])[:1]
    parts.append(report_table(o["table"]))
    parts.append(escape(f"trained: {', '.join(o['trained'])} (demo schedule, 120 iterations, 2 seeds each, with "
                        f"their GAI hybrids); costed only (profile + bench): {', '.join(o['costed_only'])}"))
    parts.append("wrote " + escape(", ".join(str(p) for p in o["pareto"].paths)))
    parts.append(escape(f"wrote {o['latex']} and {Path(o['latex']).with_suffix('.md')}; every row is in {o['out']}/"))
    parts.append(f"demo finished in {o['wall_s']:.0f} s")
    return parts
