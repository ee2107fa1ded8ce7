"""The field's results table: Method, Backbone, Resolution, Params (M), GMACs, FPS, Device, mIoU +- CI,
delta vs base; as a DataFrame, as booktabs LaTeX and as markdown.

`table(summary, ...)` returns the numbers (one row per network and setting, published rows after
arena's when asked); `to_latex(df)` and `to_markdown(df)` render it. Best per column is bold among
arena's own rows (min for Params, GMACs and Latency; max for FPS and mIoU, compared as displayed);
published rows are never bold, since they were measured elsewhere, and carry a dagger and their
source in a footnote. Every LaTeX cell and header is escaped explicitly (`escape_latex`); the
fragment needs `\\usepackage{booktabs}`.
"""
from __future__ import annotations

import math

from arena.errors import ArenaError
from arena.report import frames
from arena.report import published as pub

# display column -> (summary column, decimals, best: "min" | "max" | None, the command that measures it)
COLUMNS = {
    "Method": ("spec", None, None, ""),
    "Backbone": ("backbone", None, None, "a published variant names its backbone"),
    "Resolution": ("resolution", None, None, "`arena profile` or `arena bench` records it"),
    "Params (M)": ("params", 2, "min", "`arena profile SPEC` counts it"),
    "GMACs": ("gmacs", 2, "min", "`arena profile SPEC` counts it"),
    "Latency (ms)": ("latency_ms", 2, "min", "`arena bench SPEC` measures it"),
    "FPS": ("fps", 1, "max", "`arena bench SPEC` measures it"),
    "Device": ("device", None, None, "`arena bench SPEC` records it"),
    "mIoU": ("miou", 1, "max", frames._ACCURACY_HINT),
    "Δ mIoU": ("delta", 1, None, "a hybrid and its base, trained (`arena ablate --swap ROLE=BLOCK`)"),
    "Verdict": ("verdict", None, None, "a hybrid and its base, trained with 3 seeds or more"),
    "Setting": ("setting", None, None, "train rows record their setting"),
}
DEFAULT = ("Method", "Backbone", "Resolution", "Params (M)", "GMACs", "FPS", "Device", "mIoU", "Δ mIoU", "Verdict")
META = ("mIoU CI", "Seeds", "Published", "Source", "Precision", "Mode", "Dataset", "Schedule", "Split", "Group",
        "Hybrid", "Δ CI", "Per-seed Δ", "p", "p (Holm)", "Detectable", "Seeds for δ", "_per_seed", "_p10", "_p90",
        "_eval_res")
GROUP_BY = ("network", "swap")


def table(summary, *, published: bool = False, group_by: str = "network", columns=None, device=None, res=None,
          dataset=None, schedule=None, precision=None, mode=None, setting=None, delta: float = 1.0,
          allow_mixed: bool = False):
    """The table as a DataFrame: the display columns asked for (default: DEFAULT, less those no row
    has) followed by META columns (CI half-width, seeds, published flag and source, ...).

    One setting per table unless `allow_mixed` (the same refusal as `pareto.select`), except that
    several train settings of one schedule name (another iteration count, validation set, ...) give
    one line each, never an average, with a Setting column; `setting` (an id, or its first
    characters) keeps one. Each hybrid's Δ mIoU against its base is seed-paired within one setting,
    with its 95 % interval and verdict (`arena.stats`, the ablation's function; Holm across the
    table's comparisons; equivalence within ±`delta` points). `columns` that no row has, or that do
    not exist, are one ArenaError line. `df.attrs` carries the setting (device, precision, mode,
    dataset, schedule, group_by) and the comparisons' count for the footnotes.
    """
    from arena.stats import compare, holm_verdicts

    if not delta > 0:
        raise ArenaError(f"--delta must be positive (the equivalence margin, in mIoU points), got {delta:g}")
    import pandas as pd

    if group_by not in GROUP_BY:
        raise ArenaError(f"--group-by {group_by!r} is not known: choose from {', '.join(GROUP_BY)}")
    for c in columns or ():
        if c not in COLUMNS:
            raise ArenaError(f"no table column {c!r}: choose from {', '.join(COLUMNS)}")
    df = frames.filter_setting(summary, device=device, resolution=res, dataset=dataset, schedule=schedule,
                               precision=precision, mode=mode)
    if setting is not None:
        hit = df["setting"].fillna("").astype(str).str.startswith(str(setting)) & df["setting"].notna()
        if not hit.any():
            present = sorted({str(v) for v in df["setting"].dropna()}) or ["none (no train rows)"]
            raise ArenaError(f"no rows for --setting {setting}: the results hold settings {', '.join(present)}")
        df = df[hit | df["miou"].isna()]
    df.attrs["setting_fields"] = summary.attrs.get("setting_fields", {})
    measured = df[[c for c in ("params", "gmacs", "latency_ms", "fps", "miou") if c in df]].notna().any(axis=1)
    df = df[measured].copy()
    if not len(df):
        raise ArenaError("no measured rows to tabulate: run `arena profile`, `arena bench` or `arena train` first")
    mixed = frames.mixed_keys(df)
    if mixed and not allow_mixed:
        options = ", ".join(frames.OPTION[k] for k in mixed)
        raise ArenaError(f"the rows hold {len(frames.groups(df))} settings that cannot share one table "
                         f"({frames.describe_groups(df, frames.SETTING)}): select one with {options}, "
                         "or pass --allow-mixed")
    df["backbone"] = df["base"].map(_backbone)
    keys = [k for k in frames.SETTING if k != "device"] + ["device", "setting"]
    key = df[keys].astype(object).where(df[keys].notna(), "").astype(str).agg("|".join, axis=1)
    seeds_of = {(sp, k): ps for sp, k, ps in zip(df["spec"], key, df["per_seed"]) if isinstance(ps, dict)}
    comparisons = []
    for b, k, sp, h in zip(df["base_spec"], key, df["spec"], df["hybrid"]):
        base, mine = seeds_of.get((b, k)), seeds_of.get((sp, k))
        common = sorted(set(base or ()) & set(mine or ()))
        comparisons.append(compare([base[s] for s in common], [mine[s] for s in common], delta)
                           if h and len(common) >= 2 else None)
    counted = holm_verdicts([c for c in comparisons if c])
    out = pd.DataFrame({name: df[src].to_numpy() if src in df else None for name, (src, *_rest) in COLUMNS.items()})
    out["Δ mIoU"] = [c["mean"] if c else math.nan for c in comparisons]
    out["Verdict"] = [_verdict_text(c) if c else None for c in comparisons]
    out["Δ CI"] = [tuple(c["ci"]) if c else None for c in comparisons]
    out["Per-seed Δ"] = [tuple(c["per_seed"]) if c else None for c in comparisons]
    out["p"] = [c["p"] if c else math.nan for c in comparisons]
    out["p (Holm)"] = [c["p_holm"] if c and c["p_holm"] is not None else math.nan for c in comparisons]
    out["Detectable"] = [c["min_detectable"] if c else math.nan for c in comparisons]
    out["Seeds for δ"] = [c["seeds_needed"] if c else None for c in comparisons]
    out["_per_seed"] = df["per_seed"].to_numpy()
    out["_p10"] = df["latency_p10"].to_numpy()
    out["_p90"] = df["latency_p90"].to_numpy()
    out["_eval_res"] = df["eval_resolution"].to_numpy()
    out["mIoU CI"] = df["miou_ci"].to_numpy()
    out["Seeds"] = df["n_seeds"].to_numpy()
    out["Published"] = False
    out["Source"] = "arena"
    out["Precision"] = df["precision"].to_numpy()
    out["Mode"] = df["mode"].to_numpy()
    out["Dataset"] = df["dataset"].to_numpy()
    out["Schedule"] = df["schedule"].to_numpy()
    out["Split"] = None
    out["Hybrid"] = df["hybrid"].to_numpy()
    out["_base"] = df["base"].astype(str).to_numpy()
    out["_swaps"] = df["swaps"].to_numpy()

    if published:
        datasets = {str(d) for d in df["dataset"].dropna()}
        which = "camvid" if datasets == {"camvid"} else "cityscapes"
        paper = pub.frame(dataset=which, headline_only=True)
        present = set(out["_base"])
        if present & set(paper["variant"]):
            paper = paper[paper["variant"].isin(present)]
        rows = pd.DataFrame({"Method": paper["method"], "Backbone": paper["backbone"],
                             "Resolution": paper["resolution"], "Params (M)": paper["params_m"],
                             "GMACs": paper["gmacs"], "Latency (ms)": paper["latency_ms"], "FPS": paper["fps"],
                             "Device": paper["gpu"], "mIoU": paper["miou"], "Δ mIoU": math.nan, "Verdict": None,
                             "Setting": None, "mIoU CI": math.nan,
                             "Seeds": math.nan, "Published": True, "Source": paper["source"],
                             "Precision": paper["framework"], "Mode": None, "Dataset": paper["dataset"],
                             "Schedule": None, "Split": paper["split"], "Hybrid": False,
                             "_base": paper["variant"], "_swaps": "\0published"})
        out = pd.concat([out, rows], ignore_index=True)

    if group_by == "network":
        first = {b: i for i, b in enumerate(dict.fromkeys(out["_base"]))}
        out["Group"] = out["_base"]
        out["_order"] = [(first[b], 2 if p else (1 if h else 0), m) for b, p, h, m in
                         zip(out["_base"], out["Published"], out["Hybrid"], out["Method"])]
    else:
        out["Group"] = [("published" if p else (s or "base")) for s, p in zip(out["_swaps"], out["Published"])]
        out["_order"] = [(2 if p else (1 if s else 0), s if not p else "", b, str(m)) for s, p, b, m in
                         zip(out["_swaps"], out["Published"], out["_base"], out["Method"])]
    out = out.iloc[sorted(range(len(out)), key=lambda i: out["_order"].iloc[i])].reset_index(drop=True)

    shown = list(columns) if columns else [c for c in DEFAULT if c == "Method" or out[c].notna().any()]
    differing = frames.setting_differences_of(df)
    if not columns and out["Setting"].dropna().nunique() > 1:
        shown.insert(shown.index("mIoU") if "mIoU" in shown else len(shown), "Setting")
    for c in shown:
        if c != "Method" and not out[c].notna().any():
            raise ArenaError(f"no row has {c}: {COLUMNS[c][3]}")
    result = out[shown + list(META)].copy()
    result.attrs.update(
        group_by=group_by,
        device=sorted({str(v) for v in df["device"].dropna()}),
        precision=sorted({str(v) for v in df["precision"].dropna()}),
        mode=sorted({str(v) for v in df["mode"].dropna()}),
        resolution=sorted({str(v) for v in df["resolution"].dropna()}),
        dataset=sorted({str(v) for v in df["dataset"].dropna()}),
        schedule=sorted({str(v) for v in df["schedule"].dropna()}),
        eval_resolution=sorted({str(v) for v in df["eval_resolution"].dropna()}),
        comparisons=counted, delta=delta, setting_differences=differing,
    )
    return result


def _verdict_text(c) -> str:
    return "2 seeds: no verdict" if c["verdict"] == "descriptive" else c["verdict"]


# -- rendering ------------------------------------------------------------------------------------
_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
          ">": r"\textgreater{}", "|": r"\textbar{}", "±": r"\textpm{}", "×": r"$\times$", "Δ": r"$\Delta$",
          "²": r"\textsuperscript{2}", "–": "--", "†": r"\dag{}"}


def _backbone(base) -> str | None:
    """The backbone as arena builds it (arena.networks), else as a paper names it, else unknown."""
    from arena.networks import VARIANTS

    v = VARIANTS.get(str(base))
    return v.backbone if v and v.backbone else pub.backbone(str(base))


def escape_latex(text) -> str:
    """`text` with every LaTeX special character escaped (one pass, so escapes are never re-escaped)."""
    out = "".join(_LATEX.get(c, c) for c in str(text))
    return "{" + out + "}" if out.startswith("[") else out  # `\\ [` would read as a row-height argument


def _display_columns(df, columns):
    present = [c for c in COLUMNS if c in df]
    if columns is None:
        return present
    for c in columns:
        if c not in COLUMNS:
            raise ArenaError(f"no table column {c!r}: choose from {', '.join(COLUMNS)}")
        if c not in df or (c != "Method" and not df[c].notna().any()):
            hint = COLUMNS[c][3]
            raise ArenaError(f"no row has {c}: {hint}" if hint else f"no row has {c}")
    return list(columns)


def _number(value, decimals, signed=False) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return f"{float(value):+.{decimals}f}" if signed else f"{float(value):.{decimals}f}"
    except (TypeError, ValueError):
        return str(value)


def _best(df, column) -> set[int]:
    """Row positions holding the best displayed value of a column among arena's own rows, when it is
    separated from the runner-up: exact counts (params, GMACs) by their displayed value; latency and
    FPS when the best's p10-p90 range does not overlap the runner-up's; mIoU when a t-test on the
    seeds (paired when both rows share them, else Welch's) finds them different at 5 %. Otherwise
    nothing is bold (the footnote says so)."""
    from arena.stats import separated

    src, decimals, sense, _ = COLUMNS[column]
    if sense is None:
        return set()
    shown = {i: _number(v, decimals) for i, v in enumerate(df[column]) if not df["Published"].iloc[i]}
    values = {i: float(v) for i, v in shown.items() if v is not None}
    if len(values) < 2:
        return set()
    ranked = sorted(values, key=values.get, reverse=sense == "max")
    best, runner = ranked[0], next((i for i in ranked if values[i] != values[ranked[0]]), None)
    tied = {i for i in values if values[i] == values[best]}
    if runner is None or len(tied) > 1:
        return set()
    if column in ("Latency (ms)", "FPS"):
        lo, hi = df["_p10"], df["_p90"]
        if any(v != v for v in (lo.iloc[best], hi.iloc[best], lo.iloc[runner], hi.iloc[runner])):
            return set()
        apart = hi.iloc[best] < lo.iloc[runner] or hi.iloc[runner] < lo.iloc[best]
        return {best} if apart else set()
    if column == "mIoU":
        a, b = df["_per_seed"].iloc[best], df["_per_seed"].iloc[runner]
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return set()
        common = sorted(set(a) & set(b))
        paired = len(common) == len(a) == len(b)
        xs, ys = ([a[s] for s in common], [b[s] for s in common]) if paired else (list(a.values()), list(b.values()))
        return {best} if separated(xs, ys, paired) else set()
    return {best}


def cells(df, columns, style: str = "markdown") -> list[list[tuple[str | None, bool]]]:
    """Per row, each column's (text, bold): one formatting for every output (fixed decimals per
    column, signed deltas with their interval, mean ± CI), written for `style` "latex" (escaped),
    "markdown" (methods in backticks, pipes escaped) or "text" (the terminal: plain)."""
    latex = style == "latex"
    best = {c: _best(df, c) for c in columns}
    rows = []
    for i in range(len(df)):
        r = df.iloc[i]
        row = []
        for c in columns:
            src, decimals, _, _ = COLUMNS[c]
            v = r[c]
            if c == "Method":
                if r["Published"]:
                    text = (escape_latex(v) + r"$^{\dagger}$") if latex else f"{v} †"
                else:
                    text = r"\texttt{" + escape_latex(v) + "}" if latex else (f"`{v}`" if style == "markdown" else v)
            elif c == "mIoU":
                m = _number(v, decimals)
                ci = _number(r["mIoU CI"], decimals)
                text = None if m is None else (m if ci is None else
                                               (f"{m} \\textpm{{}} {ci}" if latex else f"{m} ± {ci}"))
            elif c == "Δ mIoU":
                text = _number(v, decimals, signed=True)
                if text is not None and isinstance(r["Δ CI"], tuple):
                    low, high = (_number(x, decimals, signed=True) for x in r["Δ CI"])
                    text = f"{text} [{low}, {high}]"
                if latex and text is not None:
                    text = f"${text}$"
            elif decimals is not None:
                text = _number(v, decimals)
            else:
                text = None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                if text is not None and latex:
                    text = escape_latex(text)
            if text is not None and style == "markdown":
                text = text.replace("|", "\\|")
            row.append((text, text is not None and i in best[c]))
        rows.append(row)
    return rows


def _marked(df, columns, style: str) -> list[list[str | None]]:
    bold = (lambda t: r"\textbf{" + t + "}") if style == "latex" else (lambda t: f"**{t}**")
    return [[bold(t) if b else t for t, b in row] for row in cells(df, columns, style)]


def footnotes(df) -> list[str]:
    """The conventions under the table, as plain text lines."""
    a = df.attrs
    notes = []
    if "GMACs" in df:
        notes.append("GMACs: 1e9 multiply-adds (arena's primary counter, batch 1, at the stated resolution); "
                     "GFLOPs = 2 × GMACs.")
    if "FPS" in df or "Latency (ms)" in df:
        device = ", ".join(a.get("device") or []) or "not measured"
        precision = ", ".join(a.get("precision") or []) or "unknown"
        modes = ", ".join(m for m in (a.get("mode") or []) if m != "eager")
        batch = "" if "batch=" in modes else " batch 1,"
        notes.append(f"FPS and latency: {device}, {precision}{', ' + modes if modes else ', eager'},{batch} "
                     "median over timed iterations (arena bench).")
    if "mIoU" in df:
        training = ", ".join(f"{s} schedule" for s in a.get("schedule") or []) or "training"
        data = ", ".join(a.get("dataset") or []) or "?"
        notes.append(f"mIoU (%): {training} on {data}; mean ± 95 % t-interval half-width over the seeds "
                     "(no interval with one seed).")
    if "Δ mIoU" in df and df["Δ mIoU"].notna().any():
        n = a.get("comparisons", 0)
        notes.append(f"Δ mIoU: hybrid minus its base in points, the mean over seeds paired within one setting, "
                     f"with its 95 % t-interval; verdicts from Holm-adjusted p-values across the {n} comparison"
                     f"{'s' if n != 1 else ''} of this table (higher, lower, inconclusive, or equivalent within "
                     f"±{a.get('delta', 1.0):g} points by a two-one-sided test); two seeds give no verdict.")
        per_seed = [f"{m}: {', '.join(f'{d:+.2f}' for d in ds)}"
                    for m, ds in zip(df["Method"], df["Per-seed Δ"]) if isinstance(ds, tuple)]
        if per_seed:
            notes.append("Per-seed Δ mIoU: " + "; ".join(per_seed) + ".")
    evaluated = a.get("eval_resolution") or []
    timed = sorted({str(v) for v in df["Resolution"].dropna()}) if "Resolution" in df else []
    if evaluated and timed and set(evaluated) != set(timed):
        notes.append(f"mIoU evaluated at {', '.join(evaluated)}; params, GMACs and speed at {', '.join(timed)}.")
    if a.get("setting_differences"):
        what = "; ".join(f"{k}: {' vs '.join(str(v) for v in vs)}" for k, vs in a["setting_differences"].items())
        notes.append(f"Several training settings (one line each, never averaged; pick one with --setting): {what}.")
    if (~df["Published"]).sum() > 1:
        notes.append("Bold: the best measured value per column, only where it is separated from the runner-up "
                     "(mIoU: t-test on the seeds at 5 %; latency and FPS: p10-p90 ranges apart); published rows "
                     "excluded. No bold in a column: the best is not separated.")
    paper = df[df["Published"]]
    if len(paper):
        sources = "; ".join(f"{m}: {s}" for m, s in dict(zip(paper["Method"], paper["Source"])).items())
        notes.append("† published: the authors' own figures on their own hardware (Device column), not "
                     f"re-measured: {sources}.")
    return notes


def to_latex(df, *, columns=None, caption: str | None = None, label: str | None = None, notes: bool = True,
             standalone: bool = False) -> str:
    """A booktabs table: escaped headers and cells, bold best cells, daggers, footnotes.

    A fragment for `\\input` (needs `\\usepackage{booktabs}`), or with `standalone=True` a whole
    document that pdflatex compiles on its own.
    """
    cols = _display_columns(df, columns)
    align = "".join("l" if COLUMNS[c][1] is None else "r" for c in cols)
    lines = [r"\begin{table}[t]", r"\centering", r"\small", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(escape_latex(c) for c in cols) + r" \\", r"\midrule"]
    previous = None
    for (i, row) in enumerate(_marked(df, cols, "latex")):
        group = df["Group"].iloc[i]
        if previous is not None and group != previous:
            lines.append(r"\midrule")
        if df.attrs.get("group_by") == "swap" and group != previous:
            lines.append(rf"\multicolumn{{{len(cols)}}}{{l}}{{\emph{{{escape_latex(group)}}}}} \\")
        previous = group
        lines.append(" & ".join("--" if c is None else c for c in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if notes:
        text = footnotes(df)
        if text:
            lines.append(r"\par\smallskip")
            lines.append(r"\begin{minipage}{\linewidth}\footnotesize")
            lines += [escape_latex(n) + r"\par" for n in text]
            lines.append(r"\end{minipage}")
    if caption:
        lines.append(rf"\caption{{{escape_latex(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines.append(r"\end{table}")
    body = "\n".join(lines) + "\n"
    if standalone:
        return ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs}\n"
                "\\usepackage[margin=1.5cm,landscape]{geometry}\n\\begin{document}\n" + body + "\\end{document}\n")
    return body


def to_markdown(df, *, columns=None, notes: bool = True) -> str:
    """A pipe table for READMEs (numbers right-aligned, best in bold, published rows with †), then
    the footnotes as lines."""
    cols = _display_columns(df, columns)
    header = "| " + " | ".join(cols) + " |"
    rule = "|" + "|".join("---" if COLUMNS[c][1] is None else "---:" for c in cols) + "|"
    body = ["| " + " | ".join("–" if c is None else c for c in row) + " |" for row in _marked(df, cols, "markdown")]
    out = "\n".join([header, rule, *body]) + "\n"
    if notes:
        text = footnotes(df)
        if text:
            out += "\n" + "\n".join(text) + "\n"
    return out
