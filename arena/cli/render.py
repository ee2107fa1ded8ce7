"""Rich tables and trees from the library's plain data: the only place arena draws the screen.

Piped output (not a terminal) is laid out at the table's natural width instead of the 80 columns
rich assumes, so `arena verify | cat` keeps every column. Progress goes to stderr, never stdout,
so a piped `--json` stays machine-readable.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table
from rich.tree import Tree

WIDE = 10_000  # columns when not a terminal: wide enough that nothing is cut or folded


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(stderr=stderr, width=None if tty else WIDE, highlight=False)


def print_json(data: Any) -> None:
    """One JSON document on stdout (rows, descriptions), for scripts."""
    sys.stdout.write(json.dumps(data, indent=None, default=str) + "\n")


@contextlib.contextmanager
def progress(label: str, total: int | None = None) -> Iterator:
    """A transient progress bar on stderr; yields `step(description, advance=1)`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def step(description: str | None = None, advance: int = 1, completed: int | None = None) -> None:
            bar.update(task, description=f"{label} {description}" if description else label,
                       advance=None if completed is not None else advance, completed=completed)
        yield step


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
    tree = Tree(f"[bold]{escape(d['spec'])}[/]  output stride {d['output_stride']}, {d['classes']} classes, "
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
        table.add_row(swap, *(row[n] for n in columns))
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


# -- arena profile --------------------------------------------------------------------------------
def _fmt_bytes(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def _sum_role(p: dict[str, Any], role: str, counter: str) -> int:
    return sum(n.get(f"macs_{counter}", 0) for n in p["nodes"] if n["role"] == role and n["aux"] is None)


def profile_tables(p: dict[str, Any], by_node: bool = False) -> list[Any]:
    """The summary by role, optionally every node, flags, and the units footnote."""
    from arena.measure.profile import CROSS_CHECKS, DISAGREEMENT

    out: list[Any] = []
    spec = escape(p["spec"])  # `net[upsampler=gai]` is not markup
    h, w = p["res"]
    checks = [c for c in CROSS_CHECKS if p.get(f"macs_{c}") is not None]
    title = (f"{spec} @ {h}x{w}: {p['params_inference']:,} params (total {p['params_total']:,}), "
             f"{p['gmacs']:.3f} GMACs = {p['gflops']:.3f} GFLOPs, peak activations "
             f"{_fmt_bytes(p['peak_activation_bytes'])}, output {'x'.join(map(str, p['output_shape']))}")
    table = Table("role", "nodes", "params", "GMACs", "share", *[f"GMACs {c}" for c in checks], title=title)
    for role, agg in p["by_role"].items():
        theirs = [_sum_role(p, role, c) for c in checks]
        table.add_row(role, str(agg["nodes"]), f"{agg['params']:,}", f"{agg['macs'] / 1e9:.4f}",
                      f"{100 * agg['macs'] / max(p['macs'], 1):.1f} %", *[f"{t / 1e9:.4f}" for t in theirs])
    table.add_row("[bold]total[/]", "", f"{p['params_inference']:,}", f"[bold]{p['gmacs']:.4f}[/]", "100 %",
                  *[f"{p[f'macs_{c}'] / 1e9:.4f}" for c in checks])
    out.append(table)
    if by_node:
        nt = Table("node", "role.block", "params", "GMACs", *[f"{c}" for c in checks], "output", "out MiB",
                   "temp MiB", "not counted", title=f"{spec} by node")
        for n in p["nodes"]:
            macs = "aux" if n["macs"] is None else f"{n['macs'] / 1e9:.4f}"
            cells = ["-" if n["macs"] is None else
                     ("[red]" if c in n.get("flags", []) else "") + f"{n.get(f'macs_{c}', 0) / 1e9:.4f}"
                     for c in checks]
            missed = "; ".join(f"{c}: {', '.join(m)}" for c, m in n["missed"].items() if m)
            shape = ", ".join("x".join(map(str, s[1:])) for s in n["out_shapes"])
            nt.add_row(n["node"], f"{n['role']}.{n['block']}", f"{n['params']:,}", macs, *cells, shape,
                       f"{n['out_bytes'] / 2**20:.1f}", f"{n['temp_bytes'] / 2**20:.1f}", escape(missed))
        out.append(nt)
    for c in CROSS_CHECKS:
        if p.get(f"error_{c}"):
            out.append(f"[yellow]cross-check {c} failed:[/] {escape(p[f'error_{c}'])}")
    for flag in p["flags"]:
        out.append(f"[red]disagreement > {DISAGREEMENT:.0%}[/] {escape(flag)}")
    out.append("[dim]MACs: one multiply-add = 1 (1 GMAC = 1e9); GFLOPs = 2 x GMACs. Primary counter: "
               "FlopCounterMode + documented costs for interpolation, pooling, normalisation (README, Profiling). "
               "Activations: fp32 liveness estimate, batch 1, weights and workspace excluded.[/]")
    return out


# -- arena bench ----------------------------------------------------------------------------------
def _ms(v: float) -> str:
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def bench_tables(outcome: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[Any]:
    """The timing table (ratios to the first case), per-node tables, and the protocol footnote."""
    out: list[Any] = []
    table = Table(Column("network", no_wrap=True), Column("res", no_wrap=True), Column("median ms", justify="right"),
                  Column("p10", justify="right"), Column("p90", justify="right"), Column("FPS", justify="right"),
                  Column(escape("ratio to first [p10, p90]"), no_wrap=True), Column("vs fp32 eager", no_wrap=True),
                  Column("setup", no_wrap=True), title="latency (interleaved)")
    for item, row in zip(outcome, rows):
        m, (h, w) = item["metrics"], item["res"]
        r = m["ratio_to_first"]
        acc = m.get("accuracy")
        if acc is None:
            check = "reference"
        else:
            rel = "-" if acc["rel_diff"] is None else f"rel {acc['rel_diff']:.1e}"
            check = f"{rel}, argmax {100 * acc['argmax_agreement']:.2f} %" + (" [red]CHANGED[/]" if acc["flagged"]
                                                                               else "")
        setup = ", ".join(f"{k} {v:.1f} s" if isinstance(v, float) else f"{k} {v}"
                          for k, v in m["setup"].items()
                          if k in ("compile_s", "graph_recording_s", "capture_s", "export_s", "folded_bn"))
        table.add_row(escape(item["spec"]), f"{h}x{w}", _ms(m["median_ms"]),
                      _ms(m["p10_ms"]), _ms(m["p90_ms"]), f"{m['fps']:.1f}",
                      f"{r['median']:.3f} [{r['p10']:.3f}, {r['p90']:.3f}]", check, setup or "-")
    out.append(table)
    for item in outcome:
        nodes = item["metrics"].get("by_node")
        if nodes:
            out.append(nodes_table(item["label"], nodes))
    p = rows[0]["protocol"]
    env = rows[0]["environment"]
    device = env.get("gpu") or env.get("device_name") or env.get("cpu")
    out.append(f"[dim]{escape(str(device))}; {p['device']}, {p['dtype']} ({p['cast']}), batch {p['batch']}, "
               f"threads {p['threads']}, channels_last {p['channels_last']}, compile {p['compile']}, "
               f"cuda_graphs {p['cuda_graphs']}, BN folded {p['fuse_bn']}, backend {p['backend']}, "
               f"cudnn.benchmark {p['cudnn_benchmark']}; timed: {escape(p['timed_region'])}; "
               f"{p['iters']} iterations after warm-up {escape(p['warmup_rule'])}; {escape(p['statistic'])}.[/]")
    return out


def nodes_table(label: str, d: dict[str, Any]) -> Table:
    table = Table(Column("node", no_wrap=True), Column("role.block", no_wrap=True), Column("ms", justify="right"),
                  Column("share", justify="right"), Column("GMACs", justify="right"), Column("MB moved", justify="right"),
                  Column("bound ms", justify="right"), Column("efficiency", justify="right"),
                  title=f"{escape(label)} by node: sum of nodes {d['sum_of_nodes_ms']:.2f} ms, end to end "
                        f"{d['end_to_end_ms']:.2f} ms (gap {d['gap_ms']:+.2f} ms)")
    for r in d["nodes"]:
        table.add_row(r["node"], r["block"], _ms(r["ms"]), f"{100 * r['share']:.1f} %", f"{r['macs'] / 1e9:.3f}",
                      f"{r['bytes'] / 1e6:.1f}", _ms(r["bound_ms"]), f"{100 * r['efficiency']:.1f} %")
    table.caption = escape(f"roofline peaks: {d['peaks'].get('source', '')}")
    return table


def peaks_table(peaks: dict[str, Any]) -> Table:
    """A calibration: peak FLOP/s per dtype and the triad bandwidth, with the protocol that measured them."""
    table = Table("quantity", Column("value", justify="right"), "how",
                  title=escape(f"measured peaks: {peaks.get('device_name')}"))
    gemm = peaks.get("protocol", {}).get("gemm", {})
    for dtype, flops in (peaks.get("flops") or {}).items():
        how = gemm.get(dtype, {})
        table.add_row(f"{dtype} GEMM", "-" if flops is None else f"{flops / 1e12:.3f} TFLOP/s",
                      escape(f"torch.mm n={how.get('n')}, best of {how.get('repeats')}") if how else "")
    triad = peaks.get("protocol", {}).get("triad", {})
    bw = peaks.get("bandwidth")
    table.add_row("triad bandwidth", "-" if bw is None else f"{bw / 1e9:.1f} GB/s",
                  escape(f"a = b + s*c, {triad.get('array_bytes', 0) / 2**20:.0f} MiB per array"
                         f"{'' if triad.get('beyond_llc', True) else ' (NOT beyond the last-level cache)'}"))
    table.caption = escape(f"cached in {peaks.get('cache')}")
    return table


def export_summary(report: dict[str, Any]) -> str:
    ok = report.get("ok")
    diff = report.get("max_abs_diff")
    check = "not checked" if ok is None else (f"onnxruntime output equals eager within tolerance (max abs diff {diff:.2e})"
                                              if ok else f"[red]onnxruntime output differs from eager[/] "
                                                         f"(max abs diff {diff:.2e})")
    return escape(f"wrote {report.get('path')} ({report['spec']} at {report['res'][0]}x{report['res'][1]}, "
                  f"batch {report['batch']}, BN folded: {report['folded_bn']}); ") + check


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
