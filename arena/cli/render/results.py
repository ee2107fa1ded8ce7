"""Tables of `arena train`, `ablate`, `run`, `pareto`, `table` and `demo`."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Iterator

from rich.markup import escape
from rich.table import Column, Table

from arena.cli.render.common import console
from arena.cli.render.studies import ablation_tables, study_summary


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
    if p.get("training_note"):  # what the published training had and this run lacks (Family.training_note)
        table.add_row("note", escape(p["training_note"]))
    return table


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
    """The table as `arena table --markdown` and `--latex` write it (one formatting: arena.report.tables.cells),
    bold where those bold, with the footnotes as its caption."""
    from rich.text import Text

    from arena.report.table_format import cells, display_columns, footnotes

    columns = display_columns(df, None)
    t = Table(*(Column(escape(str(c)), no_wrap=True, justify="left" if c in ("Method", "Backbone", "Resolution",
              "Device", "Verdict", "Setting") else "right") for c in columns),
              caption=escape("\n".join(footnotes(df))), caption_justify="left")
    for row in cells(df, columns, "text"):
        t.add_row(*(Text("–" if text is None else text, style="bold" if bold else "") for text, bold in row))
    return t


def demo_report(o: dict[str, Any]) -> list[Any]:
    parts: list[Any] = []
    for run in o["runs"]:
        parts.append(study_summary(run))
    ablation = ablation_tables(o["ablation"], o["runs"][-1])
    parts += [ablation[0], ablation[-1]]  # the table and how its verdicts were reached
    parts.append(escape("At the demo budget (120 iterations, 2 seeds) these figures demonstrate the pipeline; "
                        "they are not evidence about the blocks: two seeds describe and give no verdict, and the "
                        "'detectable' and 'seeds for ±δ' columns say what a real ablation of this spread would "
                        "need (README: how far a short schedule can be trusted)."))
    parts.append(report_table(o["table"]))
    parts.append(escape(f"trained: {', '.join(o['trained'])} (demo schedule, 120 iterations, 2 seeds each, with "
                        f"their GAI hybrids); costed only (profile + bench): {', '.join(o['costed_only'])}"))
    parts.append("wrote " + escape(", ".join(str(p) for p in o["pareto"].paths)))
    parts.append(escape(f"wrote {o['latex']} and {Path(o['latex']).with_suffix('.md')}; every row is in {o['out']}/"))
    parts.append(f"demo finished in {o['wall_s']:.0f} s")
    return parts
