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
}
DEFAULT = ("Method", "Backbone", "Resolution", "Params (M)", "GMACs", "FPS", "Device", "mIoU", "Δ mIoU")
META = ("mIoU CI", "Seeds", "Published", "Source", "Precision", "Mode", "Dataset", "Schedule", "Split", "Group",
        "Hybrid")
GROUP_BY = ("network", "swap")


def table(summary, *, published: bool = False, group_by: str = "network", columns=None, device=None, res=None,
          dataset=None, schedule=None, precision=None, mode=None, allow_mixed: bool = False):
    """The table as a DataFrame: the display columns asked for (default: DEFAULT, less those no row
    has) followed by META columns (CI half-width, seeds, published flag and source, ...).

    One setting per table unless `allow_mixed` (the same refusal as `pareto.select`). `columns` that
    no row has, or that do not exist, are one ArenaError line. `df.attrs` carries the setting
    (device, precision, mode, dataset, schedule, group_by) for the footnotes.
    """
    import pandas as pd

    if group_by not in GROUP_BY:
        raise ArenaError(f"--group-by {group_by!r} is not known: choose from {', '.join(GROUP_BY)}")
    for c in columns or ():
        if c not in COLUMNS:
            raise ArenaError(f"no table column {c!r}: choose from {', '.join(COLUMNS)}")
    df = frames.filter_setting(summary, device=device, resolution=res, dataset=dataset, schedule=schedule,
                               precision=precision, mode=mode)
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
    setting = [k for k in frames.SETTING if k != "device"] + ["device"]
    key = df[setting].astype(object).where(df[setting].notna(), "").astype(str).agg("|".join, axis=1)
    miou = {(s, k): m for s, k, m in zip(df["spec"], key, df["miou"])}
    df["delta"] = [m - miou[(b, k)] if h and (b, k) in miou and miou[(b, k)] == miou[(b, k)] else math.nan
                   for b, k, m, h in zip(df["base_spec"], key, df["miou"], df["hybrid"])]
    out = pd.DataFrame({name: df[src].to_numpy() for name, (src, *_rest) in COLUMNS.items()})
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
                             "Device": paper["gpu"], "mIoU": paper["miou"], "Δ mIoU": math.nan, "mIoU CI": math.nan,
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
    )
    return result


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
    """Row positions holding the best displayed value of a column among arena's own rows."""
    src, decimals, sense, _ = COLUMNS[column]
    if sense is None:
        return set()
    shown = {i: _number(v, decimals) for i, v in enumerate(df[column]) if not df["Published"].iloc[i]}
    values = {i: float(s) for i, s in shown.items() if s is not None}
    if len(values) < 2:
        return set()
    target = min(values.values()) if sense == "min" else max(values.values())
    return {i for i, v in values.items() if v == target}


def _cells(df, columns, latex: bool):
    """Per row, the rendered cell text of each column (None for missing)."""
    best = {c: _best(df, c) for c in columns}
    rows = []
    for i in range(len(df)):
        r = df.iloc[i]
        cells = []
        for c in columns:
            src, decimals, _, _ = COLUMNS[c]
            v = r[c]
            if c == "Method":
                if r["Published"]:
                    text = (escape_latex(v) + r"$^{\dagger}$") if latex else f"{v} †"
                else:
                    text = r"\texttt{" + escape_latex(v) + "}" if latex else f"`{v}`"
            elif c == "mIoU":
                m = _number(v, decimals)
                ci = _number(r["mIoU CI"], decimals)
                text = None if m is None else (m if ci is None else
                                               (f"{m} \\textpm{{}} {ci}" if latex else f"{m} ± {ci}"))
            elif c == "Δ mIoU":
                text = _number(v, decimals, signed=True)
                if latex and text is not None:
                    text = f"${text}$"
            elif decimals is not None:
                text = _number(v, decimals)
            else:
                text = None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                if text is not None and latex:
                    text = escape_latex(text)
            if text is not None and i in best[c]:
                text = r"\textbf{" + text + "}" if latex else f"**{text}**"
            if text is not None and not latex:
                text = text.replace("|", "\\|")
            cells.append(text)
        rows.append(cells)
    return rows


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
                     "(no interval with one seed)." + (" Delta: hybrid minus its base, in points."
                                                        if "Δ mIoU" in df else ""))
    if (~df["Published"]).sum() > 1:
        notes.append("Bold: the best measured value per column (published rows excluded).")
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
    for (i, cells) in enumerate(_cells(df, cols, latex=True)):
        group = df["Group"].iloc[i]
        if previous is not None and group != previous:
            lines.append(r"\midrule")
        if df.attrs.get("group_by") == "swap" and group != previous:
            lines.append(rf"\multicolumn{{{len(cols)}}}{{l}}{{\emph{{{escape_latex(group)}}}}} \\")
        previous = group
        lines.append(" & ".join("--" if c is None else c for c in cells) + r" \\")
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
    body = ["| " + " | ".join("–" if c is None else c for c in cells) + " |" for cells in _cells(df, cols, False)]
    out = "\n".join([header, rule, *body]) + "\n"
    if notes:
        text = footnotes(df)
        if text:
            out += "\n" + "\n".join(text) + "\n"
    return out
