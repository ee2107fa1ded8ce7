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
from arena.report import frames, setting_labels
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
        "_eval_res", "_setting", "_bold_miou", "_miou_source")
GROUP_BY = ("network", "swap")


def table(summary, *, published: bool = False, group_by: str = "network", columns=None, device=None, res=None,
          dataset=None, schedule=None, precision=None, mode=None, setting=None, delta: float = 1.0,
          allow_mixed: bool = False):
    """The table as a DataFrame: the display columns asked for (default: DEFAULT, less those no row
    has) followed by META columns (CI half-width, seeds, published flag and source, ...).

    One setting per table unless `allow_mixed` (the same refusal as `pareto.select`), except that
    several train settings of one schedule name (another iteration count, validation set, ...) give
    one line each, never an average, with a Setting column naming what differs (`iters=6 (id)`);
    `setting` (an id, or its first characters) keeps one. Each hybrid's Δ mIoU against its base is
    seed-paired within one setting (`arena.stats.compare_seeds`, the ablation's rule), with its 95 %
    interval and verdict; the best mIoU of each setting is bold only when separated from its
    runner-up by the same rule, in the same Holm family (`_comparisons`). `columns` that no row has, or
    that do not exist, are one ArenaError line. `df.attrs` carries the setting (device, precision,
    mode, dataset, schedule, group_by) and the comparisons' count for the footnotes.
    """
    if not delta > 0:
        raise ArenaError(f"--delta must be positive (the equivalence margin, in mIoU points), got {delta:g}")
    if group_by not in GROUP_BY:
        raise ArenaError(f"--group-by {group_by!r} is not known: choose from {', '.join(GROUP_BY)}")
    for c in columns or ():
        if c not in COLUMNS:
            raise ArenaError(f"no table column {c!r}: choose from {', '.join(COLUMNS)}")
    df = _select(summary, device=device, res=res, dataset=dataset, schedule=schedule, precision=precision,
                 mode=mode, setting=setting, allow_mixed=allow_mixed)
    df["backbone"] = df["base"].map(_backbone)
    fields = summary.attrs.get("setting_fields", {})
    keys = [k for k in frames.SETTING if k != "device"] + ["device", "setting"]
    df["_key"] = df[keys].astype(object).where(df[keys].notna(), "").astype(str).agg("|".join, axis=1)
    comparisons, bold, bold_note, counted = _comparisons(df, delta)
    out = _measured_rows(df, comparisons, setting_labels.labels(fields, df["setting"].dropna()))
    out["_bold_miou"] = bold
    if published:
        out = _with_published(out, df)
    out = _ordered(out, group_by)

    shown = list(columns) if columns else [c for c in DEFAULT if c == "Method" or out[c].notna().any()]
    ids = list(dict.fromkeys(df["setting"].dropna()))
    if not columns and len(ids) > 1:
        shown.insert(shown.index("mIoU") if "mIoU" in shown else len(shown), "Setting")
    for c in shown:
        if c != "Method" and not out[c].notna().any():
            raise ArenaError(f"no row has {c}: {COLUMNS[c][3]}")
    result = out[shown + list(META)].copy()
    attrs = {k: sorted({str(v) for v in df[src].dropna()}) for k, src in
             (("device", "device"), ("precision", "precision"), ("mode", "mode"), ("resolution", "resolution"),
              ("dataset", "dataset"), ("schedule", "schedule"), ("eval_resolution", "eval_resolution"))}
    result.attrs.update(attrs, group_by=group_by, comparisons=counted, delta=delta, bold_note=bold_note, skipped=summary.attrs.get("skipped", []),
                        setting_differences=setting_labels.differences(fields, ids) if len(ids) > 1 else {},
                        setting_labels=setting_labels.labels(fields, ids),
                        schedule_text=setting_labels.describe(fields.get(ids[0])) if len(ids) == 1 else "")
    return result


def _select(summary, *, device, res, dataset, schedule, precision, mode, setting, allow_mixed):
    """The summary rows of the asked setting that have a measurement; mixed settings refused."""
    df = frames.filter_setting(summary, device=device, resolution=res, dataset=dataset, schedule=schedule,
                               precision=precision, mode=mode)
    if setting is not None:
        hit = df["setting"].fillna("").astype(str).str.startswith(str(setting)) & df["setting"].notna()
        if not hit.any():
            named = setting_labels.labels(summary.attrs.get("setting_fields", {}), df["setting"].dropna())
            present = sorted(named.values()) or ["none (no train rows)"]
            raise ArenaError(f"no rows for --setting {setting}: the results hold settings {', '.join(present)}")
        df = df[hit | df["miou"].isna()]
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
    return df


def _comparisons(df, delta: float):
    """Each hybrid against its base (seed-paired within one setting key), and each setting's best
    mIoU against its runner-up, adjusted by Holm as one family. Returns (the hybrids' comparisons,
    one per row or None; which rows are bold in mIoU; why a setting has no bold, or ""; the size of
    the Holm family)."""
    from arena.stats import VERDICT_MIN_PAIRS, compare_seeds, holm_verdicts, separated_by_verdict

    seeds_of = {(sp, k): ps for sp, k, ps in zip(df["spec"], df["_key"], df["per_seed"]) if isinstance(ps, dict)}
    chance = {(sp, k): bool(c) for sp, k, c in zip(df["spec"], df["_key"], df["at_chance"])}
    hybrids = [compare_seeds(seeds_of.get((b, k)), seeds_of.get((sp, k)), delta,
                             chance=chance.get((b, k), False) and chance.get((sp, k), False)) if h else None
               for b, k, sp, h in zip(df["base_spec"], df["_key"], df["spec"], df["hybrid"])]
    row_of = {(sp, k): i for i, (sp, k) in enumerate(zip(df["spec"], df["_key"]))}
    pairs = {frozenset((row_of.get((b, k)), i)): c for i, (b, k, c) in enumerate(zip(df["base_spec"], df["_key"],
                                                                                       hybrids)) if c}
    contests, reasons = [], []  # (best row, the comparison best - runner-up) per setting key
    for key in dict.fromkeys(df["_key"]):
        shown = {i: round(float(m), 1) for i, (k, m) in enumerate(zip(df["_key"], df["miou"])) if k == key and m == m}
        if len(shown) < 2:
            continue
        ranked = sorted(shown, key=shown.get, reverse=True)
        if shown[ranked[0]] == shown[ranked[1]]:
            continue  # tied as displayed: nothing to bold
        best, runner = ranked[0], ranked[1]
        same = pairs.get(frozenset((best, runner)))  # a hybrid and its base: already in the family, once
        if same is not None and same["n"] >= VERDICT_MIN_PAIRS:
            contests.append((best, same))
            continue
        c = compare_seeds(df["per_seed"].iloc[runner], df["per_seed"].iloc[best], delta,
                          chance=bool(df["at_chance"].iloc[runner]) and bool(df["at_chance"].iloc[best]))
        if c is None or c["n"] < VERDICT_MIN_PAIRS:
            n = 0 if c is None else c["n"]
            reasons.append(f"the best mIoU shares {n} seed(s) with its runner-up; bold needs "
                           f"{VERDICT_MIN_PAIRS} or more, paired")
            continue
        contests.append((best, c))
    family = [c for c in hybrids if c] + [c for _, c in contests]
    counted = holm_verdicts(list({id(c): c for c in family}.values()))
    bold = [False] * len(df)
    for best, c in contests:
        bold[best] = separated_by_verdict(c)
        if not bold[best]:
            reasons.append(f"best vs runner-up: {c['verdict'] if c['verdict'] != 'descriptive' else 'no verdict'}")
    return hybrids, bold, "; ".join(dict.fromkeys(reasons)), counted


def _measured_rows(df, comparisons, labels):
    """arena's own rows in display columns (and the META columns the renderers read)."""
    import pandas as pd

    out = pd.DataFrame({name: df[src].to_numpy() if src in df else None for name, (src, *_rest) in COLUMNS.items()})
    out["Setting"] = [labels.get(s) if s is not None and s == s else None for s in df["setting"]]
    out["Δ mIoU"] = [c["mean"] if c else math.nan for c in comparisons]
    out["Verdict"] = [_verdict_text(c) if c else None for c in comparisons]
    out["Δ CI"] = [tuple(c["ci"]) if c else None for c in comparisons]
    out["Per-seed Δ"] = [tuple(c["per_seed"]) if c else None for c in comparisons]
    out["p"] = [c["p"] if c else math.nan for c in comparisons]
    out["p (Holm)"] = [c["p_holm"] if c and c["p_holm"] is not None else math.nan for c in comparisons]
    out["Detectable"] = [c["min_detectable"] if c else math.nan for c in comparisons]
    out["Seeds for δ"] = [c["seeds_needed"] if c else None for c in comparisons]
    for name, src in (("_per_seed", "per_seed"), ("_p10", "latency_p10"), ("_p90", "latency_p90"),
                      ("_eval_res", "eval_resolution"), ("mIoU CI", "miou_ci"), ("Seeds", "n_seeds"),
                      ("Precision", "precision"), ("Mode", "mode"), ("Dataset", "dataset"), ("Schedule", "schedule"),
                      ("Hybrid", "hybrid"), ("_swaps", "swaps"), ("_setting", "setting"),
                      ("_miou_source", "miou_source")):
        out[name] = df[src].to_numpy()
    out["Published"] = False
    out["Source"] = "arena"
    out["Split"] = None
    out["_base"] = df["base"].astype(str).to_numpy()
    return out


def _with_published(out, df):
    """The papers' headline rows of the networks shown (all of them when none is shown) appended."""
    import pandas as pd

    datasets = {str(d) for d in df["dataset"].dropna()}
    paper = pub.frame(dataset="camvid" if datasets == {"camvid"} else "cityscapes", headline_only=True)
    present = set(out["_base"])
    if present & set(paper["variant"]):
        paper = paper[paper["variant"].isin(present)]
    rows = pd.DataFrame({"Method": paper["method"], "Backbone": paper["backbone"],
                         "Resolution": paper["resolution"], "Params (M)": paper["params_m"],
                         "GMACs": paper["gmacs"], "Latency (ms)": paper["latency_ms"], "FPS": paper["fps"],
                         "Device": paper["gpu"], "mIoU": paper["miou"], "Δ mIoU": math.nan, "Verdict": None,
                         "Setting": None, "mIoU CI": math.nan, "Seeds": math.nan, "Published": True,
                         "Source": paper["source"], "Precision": paper["framework"], "Mode": None,
                         "Dataset": paper["dataset"], "Schedule": None, "Split": paper["split"], "Hybrid": False,
                         "_base": paper["variant"], "_swaps": "\0published", "_bold_miou": False})
    return pd.concat([out, rows], ignore_index=True)


def _ordered(out, group_by: str):
    """Rows grouped by network (base, its hybrids, its papers' rows) or by swap, with `Group`."""
    if group_by == "network":
        first = {b: i for i, b in enumerate(dict.fromkeys(out["_base"]))}
        out["Group"] = out["_base"]
        out["_order"] = [(first[b], 2 if p else (1 if h else 0), m) for b, p, h, m in
                         zip(out["_base"], out["Published"], out["Hybrid"], out["Method"])]
    else:
        out["Group"] = [("published" if p else (s or "base")) for s, p in zip(out["_swaps"], out["Published"])]
        out["_order"] = [(2 if p else (1 if s else 0), s if not p else "", b, str(m)) for s, p, b, m in
                         zip(out["_swaps"], out["Published"], out["_base"], out["Method"])]
    return out.iloc[sorted(range(len(out)), key=lambda i: out["_order"].iloc[i])].reset_index(drop=True)


def _verdict_text(c) -> str:
    """The Verdict cell: the verdict, with the zero-spread and too-few-seeds cases said in words."""
    from arena.stats import DEGENERATE, degenerate_text

    if c["verdict"] == DEGENERATE:
        return degenerate_text(c)
    return f"{c['n']} seeds: no verdict" if c["verdict"] == "descriptive" else c["verdict"]


def _backbone(base) -> str | None:
    """The backbone as arena builds it (arena.networks), else as a paper names it, else unknown."""
    from arena.networks import VARIANTS

    v = VARIANTS.get(str(base))
    return v.backbone if v and v.backbone else pub.backbone(str(base))
