"""Tables of `arena profile`, `bench` (with by-node and peaks) and `export`."""
from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Column, Table


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


def _ratio_header(outcome: list[dict[str, Any]]) -> str:
    """Which case the ratios are to: the first mode of the same network and resolution."""
    first = outcome[0]
    groups = {(item["spec"], tuple(item["res"])) for item in outcome}
    if not first.get("mode"):
        return "ratio to its first case" if len(groups) == 1 else "ratio (each network is its own reference)"
    return f"ratio to {first['mode']}" + (" of the same network and res" if len(groups) > 1 else "")


def _ratio_cells(item: dict[str, Any]) -> tuple[str, str]:
    """(median per-round ratio, geometric-mean ratio with its interval), or the reference's marks."""
    m = item["metrics"]
    if item["label"] == m["reference"]:
        return "-", "reference"
    r = m["ratio_to_reference"]
    interval = "" if r.get("ci_low") is None else f" [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
    return f"{r['median']:.2f}", f"x{r['geomean']:.2f}{interval}"


def _footnote(outcome: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """The protocol the cases share (a field that differs between them is in the mode column)."""
    from arena.measure.modes import MODE_OPTIONS

    p = rows[0]["protocol"]
    env = rows[0]["environment"]
    device = env.get("gpu") or env.get("device_name") or env.get("cpu")
    differs = {k for k in p if any(row["protocol"].get(k) != p[k] for row in rows)}
    shared = [(("dtype", "cast"), f"{p['dtype']} ({p['cast']})"), (("batch",), f"batch {p['batch']}"),
              (("threads",), f"threads {p['threads']}"), (("channels_last",), f"channels_last {p['channels_last']}"),
              (("compile",), f"compile {p['compile']}"), (("cuda_graphs",), f"cuda_graphs {p['cuda_graphs']}"),
              (("fuse_bn",), f"BN folded {p['fuse_bn']}"), (("backend",), f"backend {p['backend']}"),
              (("cudnn_benchmark",), f"cudnn.benchmark {p['cudnn_benchmark']}")]
    parts = [text for keys, text in shared if not differs & set(keys)]
    confidence = outcome[0]["metrics"]["ratio_to_reference"].get("confidence", 0.95)
    return (f"[dim]{escape(str(device))}; {p['device']}, {', '.join(parts)}"
            f"{'; per case: see mode' if differs & set(MODE_OPTIONS) else ''}; timed: {escape(p['timed_region'])}; "
            f"{p['iters']} iterations after warm-up {escape(p['warmup_rule'])}; {escape(p['statistic'])}. "
            f"Ratios paired by round, the order of the cases shuffled per round (order seed "
            f"{p.get('order_seed', 0)}): the median per-round ratio, and x the geometric mean with its "
            f"{100 * confidence:g} % t-interval on the per-round log-ratio (df = rounds - 1).{_bound_note(outcome)}[/]")


def _bound_note(outcome: list[dict[str, Any]]) -> str:
    """How the roofline column is formed, its peaks' sources, and why a case has none."""
    bounds = [item["metrics"].get("roofline") or {} for item in outcome]
    sources = sorted({f"{b['dtype']}: {b['peaks_source']}" for b in bounds if b.get("peaks_source")})
    errors = sorted({b["error"] for b in bounds if "error" in b})
    if not sources and not errors:
        return ""
    return escape(" Roofline: the median time against the network's bound at the case's dtype, the sum over its "
                  "nodes of max(2 x MACs / peak FLOP/s, bytes moved / peak bandwidth) (arena.measure.network_bound); "
                  "peaks " + "; ".join(sources) + "".join(f"; no bound: {e}" for e in errors) + ".")


def bench_tables(outcome: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[Any]:
    """The timing table (paired ratios to the first case), per-node tables, and the protocol footnote."""
    out: list[Any] = []
    with_mode = any(item.get("mode") for item in outcome)
    table = Table(Column("network", no_wrap=True), Column("res", no_wrap=True),
                  *([Column("mode", no_wrap=True)] if with_mode else []), Column("median ms", justify="right"),
                  Column("p10", justify="right"), Column("p90", justify="right"), Column("FPS", justify="right"),
                  Column("median ratio", justify="right"),
                  Column(escape(f"{_ratio_header(outcome)} [95 % CI]"), no_wrap=True),
                  Column("vs fp32 eager", no_wrap=True), Column("roofline", no_wrap=True),
                  Column("setup", no_wrap=True), title="latency (interleaved)")
    for item in outcome:
        m, (h, w) = item["metrics"], item["res"]
        acc = m.get("accuracy")
        if acc is None:
            check = "is fp32 eager" if item["protocol"].is_reference else "not checked"
        else:
            rel = "-" if acc["rel_diff"] is None else f"rel {acc['rel_diff']:.1e}"
            check = f"{rel}, argmax {100 * acc['argmax_agreement']:.2f} %" + (" [red]CHANGED[/]" if acc["flagged"]
                                                                               else "")
        setup = ", ".join(f"{k} {v:.1f} s" if isinstance(v, float) else f"{k} {v}"
                          for k, v in m["setup"].items()
                          if k in ("compile_s", "graph_recording_s", "capture_s", "export_s", "folded_bn"))
        table.add_row(escape(item["spec"]), f"{h}x{w}", *([escape(item.get("mode") or "")] if with_mode else []),
                      _ms(m["median_ms"]), _ms(m["p10_ms"]), _ms(m["p90_ms"]), f"{m['fps']:.1f}",
                      *_ratio_cells(item), check, _bound_cell(m.get("roofline")), setup or "-")
    out.append(table)
    for item in outcome:
        nodes = item["metrics"].get("by_node")
        if nodes:
            out.append(nodes_table(item["label"], nodes))
    out.append(_footnote(outcome, rows))
    return out


def _bound_cell(bound: dict[str, Any] | None) -> str:
    """The network's roofline bound at the case's dtype and the share of it the measured time reaches."""
    if not bound:
        return "-"
    if "error" in bound:
        return "[yellow]no bound[/]"
    return f"{100 * bound['efficiency']:.1f} % of {_ms(bound['ms'])} ms ({bound['dtype']}, {bound['limit']})"


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
        unit = "TOP/s" if dtype == "int8" else "TFLOP/s"
        table.add_row(f"{dtype} GEMM", "-" if flops is None else f"{flops / 1e12:.3f} {unit}",
                      escape(f"{how.get('op', 'torch.mm')} n={how.get('n')}, best of {how.get('repeats')}")
                      if how else "")
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
