"""What `arena ablate` and `arena run` show: the plan before the first job, progress with an ETA,
and the ablation's verdicts."""
from __future__ import annotations

import contextlib
import sys
import time
from typing import Any, Iterator

from rich.markup import escape
from rich.table import Column, Table

from arena.cli.render.common import console


def duration(seconds: float) -> str:
    if seconds != seconds:
        return "?"
    if seconds == float("inf"):
        return "unbounded (the paper schedule)"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def study_plan(o: dict[str, Any], why: str = "") -> Table:
    """Every job to run with its estimate, and the total (before anything runs)."""
    t = Table(Column("job", no_wrap=True), Column("estimate", justify="right"),
              title=escape(f"plan: study {o['study']}: {o['to_run']} jobs to run, {o['skipped']} already done"),
              caption=escape(f"total about {duration(o['estimated_s'])} on this device (a rough estimate from a "
                             f"short timing probe, +-50 %){'; ' + why if why else ''}"))
    for label, seconds in zip(o["plan"], o["estimates_s"]):
        t.add_row(escape(label), duration(seconds))
    return t


@contextlib.contextmanager
def study_progress(o: dict[str, Any]) -> Iterator:
    """Yields (on_progress, on_log): an overall bar over the estimated seconds, with its ETA, and
    the running training job's iteration bar (loss, images/s); plain lines when stderr is no
    terminal."""
    estimates = o["estimates_s"]
    total = sum(s for s in estimates if s == s and s != float("inf")) or 1.0
    began = time.monotonic()

    def eta(done: int) -> str:
        spent = sum(s for s in estimates[:done] if s == s and s != float("inf"))
        if spent > 0.05 * total:  # the estimate, corrected by how far off it was so far (not on a few seconds)
            rate = (time.monotonic() - began) / spent
            return duration((total - spent) * rate)
        return duration(total - spent)

    if not sys.stderr.isatty():
        def plain(done: int, n: int, label: str) -> None:
            sys.stderr.write(f"[{done + 1}/{n}] {label} (left: about {eta(done)})\n")
            sys.stderr.flush()

        def plain_log(e: dict[str, Any]) -> None:
            if "loss" in e and (e["iter"] == e["iters"] or e["iter"] % max(1, e["iters"] // 4) == 0):
                sys.stderr.write(f"    iter {e['iter']}/{e['iters']}  loss {e['loss']:.3f}  "
                                 f"{e['images_per_s']:.1f} img/s\n")
        yield plain, plain_log
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[info]}"), console=console(stderr=True), transient=True) as bar:
        overall = bar.add_task(f"study {o['study']}", total=len(estimates), info="")
        job = bar.add_task("", total=None, info="", visible=False)

        def progress(done: int, n: int, label: str) -> None:
            bar.update(overall, completed=done, info=f"left: about {eta(done)}")
            bar.update(job, description=escape(label), completed=0, total=None, info="", visible=True)

        def log(e: dict[str, Any]) -> None:
            if "loss" in e:
                bar.update(job, total=e["iters"], completed=e["iter"],
                           info=f"loss {e['loss']:.3f}  {e['images_per_s']:.1f} img/s")
        yield progress, log


def study_summary(o: dict[str, Any]) -> str:
    parts = [f"study {o['study']}: {o['jobs']} jobs, {o['skipped']} already done, {o['to_run']} to run"]
    if "rows_written" in o:
        parts.append(f"{o['rows_written']} rows written to {o['out']}")
    elif o.get("estimated_s") is not None:
        parts.append(f"estimated {duration(o['estimated_s'])} on this device")
    if o.get("held_failed"):
        parts.append(f"{len(o['held_failed'])} failed before (--retry-failed runs them)")
    if o.get("failed"):
        parts.append(f"[red]{len(o['failed'])} failed[/]: " + escape("; ".join(f"{j}: {e}" for j, e in o["failed"][:3])))
    if o.get("not_applicable"):
        parts.append(f"{len(o['not_applicable'])} n/a cells")
    return "; ".join(parts) + f" (engine: {escape(str(o['engine']))})"


VERDICT_STYLE = {"higher": "green", "lower": "red", "inconclusive": "yellow", "descriptive": "dim", "degenerate": "magenta",
                 "both": "magenta"}


def _verdict(c: dict[str, Any]) -> str:
    from arena.stats import DEGENERATE, degenerate_text

    v = c["verdict"]
    if v == DEGENERATE:
        shown = (f"degenerate: every round gave x{c['ratio']:.3f}" if "ratio" in c else degenerate_text(c))
    else:
        shown = f"{c['n']} seeds: no verdict" if v == "descriptive" else v
    if c.get("mixed_versions"):
        shown += " (mixed code versions)"
    return f"[{VERDICT_STYLE.get(v.split()[0], 'cyan')}]{escape(shown)}[/]"


def _miou(c: dict[str, Any]) -> str:
    low, high = c["ci"]
    return f"{c['mean']:+.2f} [{low:+.2f}, {high:+.2f}]"


def _ratio(c: dict[str, Any]) -> str:
    low, high = c["ratio_ci"]
    return f"x{c['ratio']:.3f} [{low:.3f}, {high:.3f}]"


def ablation_tables(summary: dict[str, Any], outcome: dict[str, Any]) -> list[Any]:
    """Per network: swapped - base in params and GMACs, the latency ratio and the mIoU difference
    with their intervals and verdicts, what the seeds could detect, and every seed's delta."""
    delta = summary["delta"]
    t = Table(Column("network", no_wrap=True), Column("swap", no_wrap=True), Column("params", justify="right"),
              Column("GMACs", justify="right"), Column(escape("latency ratio [95 % CI]"), no_wrap=True),
              Column("latency verdict", no_wrap=True), Column(escape("mIoU Δ points [95 % CI]"), no_wrap=True),
              Column("mIoU verdict", no_wrap=True), Column("detectable (80 % power)", justify="right"),
              Column(escape(f"seeds for ±{delta['miou_points']:g}"), justify="right"),
              Column("per-seed mIoU Δ", no_wrap=True),
              title="ablation: swapped - base (mIoU paired by seed, latency by interleaved round)")
    for e in summary["comparisons"]:
        if not e["applicable"]:
            t.add_row(escape(e["network"]), escape(e["swap"]), "n/a", "", "", "", "", "", "", "", escape(e["reason"]))
            continue
        lat, miou = e.get("latency"), e.get("miou")
        t.add_row(escape(e["network"]), escape(e["swap"]),
                  f"{e['params']['delta']:+,}" if "params" in e else "-",
                  f"{e['gmacs']['delta']:+.3f}" if "gmacs" in e else "-",
                  _ratio(lat) if lat else "-", _verdict(lat) if lat else "-",
                  _miou(miou) if miou else "-", _verdict(miou) if miou else "-",
                  f"{miou['min_detectable']:.2f}" if miou and miou["min_detectable"] == miou["min_detectable"] else "-",
                  f"{miou['seeds_needed']:,}" if miou and miou["seeds_needed"] else "-",
                  ", ".join(f"{d:+.2f}" for d in miou["per_seed"]) if miou else "")
    counts = summary["counts"]
    return [t, study_summary(outcome),
            escape(f"Verdicts: paired 95 % t-intervals (df = n - 1); p-values Holm-adjusted across the "
                   f"{counts.get('miou', 0)} mIoU and {counts.get('latency', 0)} latency comparisons of this "
                   f"ablation; 'equivalent' is a two-one-sided test within ±{delta['miou_points']:g} mIoU points "
                   f"or ±{100 * delta['latency']:g} % latency; two seeds describe (mean and both values) and "
                   "give no verdict; 'degenerate': every seed gave the same Δ (no spread: no test); 'both at "
                   "chance': both networks predict at most one class (per-class IoU) or score no more than one "
                   "class can (mIoU <= 1 / classes). 'detectable': the smallest true mIoU difference these seeds would find "
                   "with 80 % power at the observed spread; 'seeds for ±δ': the seeds that would find ±δ so.")]
