"""The results table as text: one formatting for every output (the terminal, Markdown, booktabs
LaTeX), bold where a best value is separated from the runner-up, and the footnotes that say how
every figure was obtained.

Every LaTeX cell and header is escaped explicitly (`escape_latex`; pandas' Styler leaves `%`, `_`
and `#` in headers alone); the fragment needs `\\usepackage{booktabs}`.
"""
from __future__ import annotations

import math

from arena.errors import ArenaError
from arena.report.mode_accuracy import BORROWED
from arena.report.tables import COLUMNS

_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
          ">": r"\textgreater{}", "|": r"\textbar{}", "±": r"\textpm{}", "×": r"$\times$", "Δ": r"$\Delta$",
          "²": r"\textsuperscript{2}", "–": "--", "†": r"\dag{}"}


def escape_latex(text) -> str:
    """`text` with every LaTeX special character escaped (one pass, so escapes are never re-escaped)."""
    out = "".join(_LATEX.get(c, c) for c in str(text))
    return "{" + out + "}" if out.startswith("[") else out  # `\\ [` would read as a row-height argument


def display_columns(df, columns):
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
    """Row positions holding the best displayed value of a column among arena's own rows of one
    setting (`_setting`: rows of two training settings never compete), when it is separated from the
    runner-up: exact counts (params, GMACs) by their displayed value; latency and FPS when the best's
    p10-p90 range does not overlap the runner-up's; mIoU as `tables.table` decided (`_bold_miou`:
    the Verdict column's test and Holm family, three or more paired seeds). Otherwise nothing is bold
    (the footnote says so)."""
    src, decimals, sense, _ = COLUMNS[column]
    if sense is None:
        return set()
    if column == "mIoU":
        return {i for i, b in enumerate(df["_bold_miou"]) if b is True} if "_bold_miou" in df else set()
    settings = df["_setting"] if "_setting" in df else [None] * len(df)
    groups = {s for s in settings if s is not None and s == s} or {None}
    out: set[int] = set()
    for g in groups:
        rows = [i for i, s in enumerate(settings) if g is None or s == g or s is None or s != s]
        out |= _best_of(df, column, rows, decimals, sense)
    return out


def _best_of(df, column, rows, decimals, sense) -> set[int]:
    shown = {i: _number(df[column].iloc[i], decimals) for i in rows if not df["Published"].iloc[i]}
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
        if a.get("schedule_text"):
            training += f" ({a['schedule_text']})"
        data = ", ".join(a.get("dataset") or []) or "?"
        notes.append(f"mIoU (%): {training} on {data}; mean ± 95 % t-interval half-width over the seeds "
                     "(no interval with one seed).")
    if "Δ mIoU" in df and df["Δ mIoU"].notna().any():
        n = a.get("comparisons", 0)
        notes.append(f"Δ mIoU: hybrid minus its base in points, the mean over seeds paired within one setting, "
                     f"with its 95 % t-interval; verdicts from Holm-adjusted p-values across the {n} comparison"
                     f"{'s' if n != 1 else ''} of this table (higher, lower, inconclusive, or equivalent within "
                     f"±{a.get('delta', 1.0):g} points by a two-one-sided test); two seeds give no verdict; "
                     "'degenerate': every seed gave the same Δ (no spread, so no test); 'both at chance': both "
                     "networks predict at most one class (per-class IoU), or score an mIoU no higher than "
                     "predicting one class can (1 / classes), so their difference says nothing.")
        per_seed = [f"{m}: {', '.join(f'{d:+.2f}' for d in ds)}"
                    for m, ds in zip(df["Method"], df["Per-seed Δ"]) if isinstance(ds, tuple)]
        if per_seed:
            notes.append("Per-seed Δ mIoU: " + "; ".join(per_seed) + ".")
    if "_miou_source" in df and "mIoU" in df:
        borrowed = [f"{m} ({mode})" for m, mode, s in zip(df["Method"], df.get("Mode", df["Method"]),
                                                           df["_miou_source"]) if s == BORROWED]
        if borrowed:
            notes.append("mIoU borrowed from fp32 eager (no `arena eval` of the mode, so not measured as it "
                         "runs): " + "; ".join(borrowed) + ".")
    evaluated = a.get("eval_resolution") or []
    timed = sorted({str(v) for v in df["Resolution"].dropna()}) if "Resolution" in df else []
    if evaluated and timed and set(evaluated) != set(timed):
        notes.append(f"mIoU evaluated at {', '.join(evaluated)}; params, GMACs and speed at {', '.join(timed)}.")
    if a.get("setting_differences"):
        fields = ", ".join(a["setting_differences"])
        named = "; ".join(a.get("setting_labels", {}).values())
        notes.append(f"Several training settings (one line each, never averaged), differing in {fields}: {named} "
                     "(pick one with --setting and the id in parentheses).")
    if (~df["Published"]).sum() > 1:
        why = f" No bold mIoU: {a['bold_note']}." if a.get("bold_note") else ""
        notes.append("Bold: the best measured value per column among the rows of one setting, only where it is "
                     "separated from the runner-up (mIoU: the Verdict column's paired t-test, Holm-adjusted in "
                     "its family, three or more seeds; latency and FPS: p10-p90 ranges apart); published rows "
                     f"excluded. No bold in a column: the best is not separated.{why}")
    if a.get("skipped"):
        notes.append(f"Left out (no finite mIoU): {', '.join(a['skipped'])}.")
    paper = df[df["Published"]]
    if len(paper):
        sources = "; ".join(f"{m}: {s}" for m, s in dict(zip(paper["Method"], paper["Source"])).items())
        ours = sorted({str(d) for d in df.loc[~df["Published"], "Dataset"].dropna()})
        theirs = sorted({str(d) for d in paper["Dataset"].dropna()})
        data = (f" Measured rows: {', '.join(ours) or '?'}; published rows: {', '.join(theirs) or '?'} "
                "(different data, schedules and pretraining: compare within each kind, not across)."
                if ours != theirs else "")
        notes.append("† published: the authors' own figures on their own hardware (Device column), not "
                     f"re-measured: {sources}.{data}")
    return notes


def to_latex(df, *, columns=None, caption: str | None = None, label: str | None = None, notes: bool = True,
             standalone: bool = False) -> str:
    """A booktabs table: escaped headers and cells, bold best cells, daggers, footnotes.

    A fragment for `\\input` (needs `\\usepackage{booktabs}`), or with `standalone=True` a whole
    document that pdflatex compiles on its own.
    """
    cols = display_columns(df, columns)
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
    cols = display_columns(df, columns)
    header = "| " + " | ".join(cols) + " |"
    rule = "|" + "|".join("---" if COLUMNS[c][1] is None else "---:" for c in cols) + "|"
    body = ["| " + " | ".join("–" if c is None else c for c in row) + " |" for row in _marked(df, cols, "markdown")]
    out = "\n".join([header, rule, *body]) + "\n"
    if notes:
        text = footnotes(df)
        if text:
            out += "\n" + "\n".join(text) + "\n"
    return out
