"""The field's results table: Method, Backbone, Resolution, Params (M), GMACs, FPS, Device, mIoU +- CI,
delta vs base; as a DataFrame, as booktabs LaTeX and as markdown.

`table(summary, ...)` returns the numbers (one row per network and setting, published rows after
arena's when asked); `arena.report.table_format` renders it (`to_latex`, `to_markdown`, `cells`). Best per column is bold among
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


def _backbone(base) -> str | None:
    """The backbone as arena builds it (arena.networks), else as a paper names it, else unknown."""
    from arena.networks import VARIANTS

    v = VARIANTS.get(str(base))
    return v.backbone if v and v.backbone else pub.backbone(str(base))
