"""Speed-accuracy fronts: the non-dominated networks per setting, and their plot (PNG, PDF, SVG).

`front(df, x, y)` is the pure core. `select(summary, x, y, ...)` picks the points of one setting
(device, precision, mode and resolution where the x axis depends on them; dataset and schedule
always) and refuses to mix settings on one axis unless `allow_mixed=True`. `plot(points, ...)`
draws and writes the figure; `draw(folder, ...)` is all three from a results folder.

Ties: a point equal to another on both axes dominates neither, so both stay on the front (they are
two networks that measured the same; dropping one would be arbitrary). A point dominates another
when it is at least as good on both axes and strictly better on one.
"""
from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from arena.checks import writable_folder
from arena.errors import ArenaError
from arena.report import frames, label_layout, published_panel, setting_labels


from arena.report.axes import X_AXES, Y_AXES, Axis  # noqa: F401  (the axes live in their own module)
from arena.report.pareto_caption import caption  # noqa: F401  (the caption in words, its own module)

TRAINING = ("dataset", "schedule", "setting")
FORMATS = ("png", "pdf", "svg")


@dataclass(frozen=True)
class ParetoResult:
    """What `plot` wrote and found: the file paths, the front (one row per front point, with its
    `group`), every plotted point, and the caption."""

    paths: tuple[Path, ...]
    front: object  # pandas DataFrame
    points: object  # pandas DataFrame
    caption: str


# -- the front ------------------------------------------------------------------------------------
def front(df, x: str, y: str, minimise_x: bool = True, maximise_y: bool = True):
    """The non-dominated rows of `df` on columns x and y, sorted by x (ascending).

    Rows with a missing x or y are not points and never on the front. Ties on both axes are all
    kept (module docstring); a single point is its own front; an empty frame gives an empty front.
    """
    for column in (x, y):
        if column not in df:
            raise ArenaError(f"no column {column!r} to draw a front on: the columns are {', '.join(map(str, df))}")
    valid = df[df[x].notna() & df[y].notna()]
    if not len(valid):
        return valid.copy()
    xs = valid[x].to_numpy(dtype=float) * (1 if minimise_x else -1)  # smaller is better on both now
    ys = valid[y].to_numpy(dtype=float) * (-1 if maximise_y else 1)
    no_worse = (xs[:, None] <= xs[None, :]) & (ys[:, None] <= ys[None, :])  # [j, i]: j no worse than i
    better = (xs[:, None] < xs[None, :]) | (ys[:, None] < ys[None, :])
    dominated = (no_worse & better).any(axis=0)
    kept = valid[~dominated]
    return kept.sort_values([x, y], kind="stable")


# -- choosing the points --------------------------------------------------------------------------
def select(summary, x: str = "latency", y: str = "miou", *, device=None, res=None, dataset=None, schedule=None,
           precision=None, mode=None, setting=None, allow_mixed: bool = False):
    """The plotted points: summary rows with x and y, of one setting (or several with allow_mixed).

    Returns a DataFrame with the summary's columns plus `group` (the setting as text) and `group_id`
    (0, 1, ... in order of appearance). Raises ArenaError (one line) when there are no accuracy rows,
    no rows for the x quantity, no network with both, a filter matching nothing, or mixed settings.
    """
    ax, ay = _axis(x, X_AXES, "--x"), _axis(y, Y_AXES, "--y")
    if summary[ay.column].isna().all():
        raise ArenaError(f"no accuracy rows (kind: train) in the results for --y {y}: {ay.hint}")
    if summary[ax.column].isna().all():
        raise ArenaError(f"no {x} figures in the results for --x {x}: {ax.hint}")
    df = frames.filter_setting(summary, device=device, resolution=res, dataset=dataset, schedule=schedule,
                               precision=precision, mode=mode, setting=setting)
    df = df[df[ax.column].notna() & df[ay.column].notna()]
    if not len(df):
        raise ArenaError(f"no network has both {x} and {y} figures in this selection: measure the trained "
                         f"networks ({ax.hint}) or train the measured ones ({ay.hint})")
    keys = tuple(k for k in ax.keys + TRAINING)
    df = df.drop_duplicates(["spec", *keys], keep="last").copy()
    shown = [k for k in keys if k in df and k != "setting"]
    named = setting_labels.labels(summary.attrs.get("setting_fields", {}), df["setting"].dropna())
    labels = [" ".join([f"{k}={r[k]}" for k in shown if r[k] is not None and r[k] == r[k]]
                       + ([named[s]] if s is not None and s == s and s in named else []))
              for r, s in zip(df[shown].to_dict("records"), df["setting"])]
    mixed = frames.mixed_keys(df, keys)
    if mixed and not allow_mixed:
        options = ", ".join(frames.OPTION[k] for k in mixed)
        raise ArenaError(f"the rows hold {len(set(labels))} settings that cannot share one axis "
                         f"({'; '.join(dict.fromkeys(labels))}): select one with {options}, or pass --allow-mixed")
    df["group"] = labels
    df.attrs["skipped"] = summary.attrs.get("skipped", [])
    df.attrs["schedule_text"] = (setting_labels.describe(summary.attrs.get("setting_fields", {}).get(next(iter(named))))
                                 if len(named) == 1 else "")
    df["group_id"] = df["group"].map({g: i for i, g in enumerate(dict.fromkeys(labels))})
    return df.reset_index(drop=True)


def _axis(name, table, option) -> Axis:
    if name not in table:
        raise ArenaError(f"{option} {name!r} is not known: choose from {', '.join(table)}")
    return table[name]


def fronts(points, x: str = "latency", y: str = "miou"):
    """The front of each group of `points` (from `select`), concatenated. The front is drawn on means;
    `separated` says whether a front point's mIoU differs from each neighbour's on the front by the
    table's bold rule: the Verdict column's paired test on three or more shared seeds, Holm-adjusted
    across every neighbour comparison of the plot (`arena.stats.separated_by_verdict`)."""
    import pandas as pd

    from arena.stats import compare_seeds, holm_verdicts, separated_by_verdict

    ax, ay = X_AXES[x], Y_AXES[y]
    parts, links = [], []
    for _, g in points.groupby("group_id", sort=True):
        f = front(g, ax.column, ay.column, ax.better == "min", ay.better == "max").copy()
        seeds = list(f["per_seed"]) if "per_seed" in f else [None] * len(f)
        links.append([compare_seeds(a, b, 1.0) for a, b in zip(seeds, seeds[1:])])
        parts.append(f)
    holm_verdicts([c for family in links for c in family if c])
    for f, family in zip(parts, links):
        apart = [separated_by_verdict(c) for c in family]
        f["separated"] = [all(apart[max(0, k - 1):k + 1]) for k in range(len(f))]
    return pd.concat(parts) if parts else points.iloc[0:0]


# -- the plot -------------------------------------------------------------------------------------
def plot(points, x: str = "latency", y: str = "miou", out: str | os.PathLike = ".", *, name: str | None = None,
         log_x: bool = False, published: bool = False, formats=FORMATS, dpi: int = 200,
         title: str | None = None) -> ParetoResult:
    """Draw `points` (from `select`) and write NAME.png/.pdf/.svg into `out`.

    Each point is labelled by its canonical name; base networks are circles, hybrids diamonds, in
    their base network's colour, each hybrid joined to its base by a thin arrow; the front of each
    group is a dashed step line and its points are ringed in black; mIoU error bars are the 95 %
    t-interval over seeds. `published=True` adds a panel with the papers' own headline figures
    (hollow markers labelled with their GPU: measured elsewhere, never on the same axes).
    Returns a ParetoResult (paths, front, points, caption). Every string is drawn as plain text (no
    mathtext, no LaTeX): a spec or dataset name with `$...$` in it is shown as written, never parsed.
    """
    import matplotlib

    with matplotlib.rc_context({"text.usetex": False, "text.parse_math": False}):
        return _plot(points, x, y, out, name=name, log_x=log_x, published=published, formats=formats, dpi=dpi,
                     title=title)


def _plot(points, x, y, out, *, name, log_x, published, formats, dpi, title) -> ParetoResult:
    ax_x, ax_y = _axis(x, X_AXES, "--x"), _axis(y, Y_AXES, "--y")
    for fmt in formats:
        if fmt not in FORMATS:
            raise ArenaError(f"cannot write a plot as {fmt!r}: choose from {', '.join(FORMATS)}")
    folder = writable_folder(out, "the plot")  # before any drawing: a bad --out costs nothing

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    name = name or f"pareto_{x}_{y}"
    found = fronts(points, x, y)
    text = caption(points, x, y)

    pub = published_panel.points(points) if published else None
    fig = Figure(figsize=(12.5 if published else 8.5, 6.0), dpi=dpi)  # no pyplot: no global state touched
    FigureCanvasAgg(fig)  # the Agg backend, whatever the session's default
    grid = fig.add_gridspec(1, 2 if published else 1, width_ratios=[2.2, 1] if published else [1], wspace=0.25)
    ax = fig.add_subplot(grid[0, 0])
    bases = sorted({str(b) for b in points["base"].dropna()})
    palette = matplotlib.colormaps["tab10"]
    colour = {b: palette(i % 10) for i, b in enumerate(bases)}
    on_front = set(found.index)
    mixed = points["group_id"].nunique() > 1
    styles = ["--", ":", "-.", (0, (5, 1, 1, 1))]

    for gid, g in points.groupby("group_id", sort=True):
        f = found[found["group_id"] == gid]
        if len(f):
            ax.step(f[ax_x.column], f[ax_y.column], where="post" if ax_x.better == "min" else "pre",
                    color="0.35", lw=1.1, ls=styles[gid % len(styles)], zorder=1,
                    label=f"front G{gid + 1}: {g['group'].iloc[0]}" if mixed else "Pareto front")
    for i, r in points.iterrows():
        c = colour.get(str(r["base"]), "0.5")
        if r["miou_ci"] == r["miou_ci"] and r["miou_ci"] is not None:
            ax.errorbar(r[ax_x.column], r[ax_y.column], yerr=r["miou_ci"], fmt="none", ecolor=c, elinewidth=0.9,
                        capsize=2.5, alpha=0.8, zorder=2)
        blurred = i in on_front and not found.loc[i, "separated"]  # its mIoU is not separated from a neighbour's
        ax.scatter([r[ax_x.column]], [r[ax_y.column]], s=38 if r["hybrid"] else 46, marker="D" if r["hybrid"] else "o",
                   color="white" if blurred else c, edgecolors="black" if i in on_front else "white",
                   linewidths=1.3 if i in on_front else 0.6, zorder=4)
    arrows = _hybrid_arrows(points, ax_x.column, ax_y.column)
    for (bx, by), (hx, hy), base in arrows:
        ax.annotate("", xy=(hx, hy), xytext=(bx, by), zorder=3,
                    arrowprops=dict(arrowstyle="-|>", lw=0.8, color=colour.get(base, "0.4"), alpha=0.75,
                                    shrinkA=5, shrinkB=5, mutation_scale=8))
    if log_x:
        label_layout.plain_log(ax)
    ax.set_xlabel(ax_x.label)
    ax.set_ylabel(ax_y.label)
    ax.grid(True, lw=0.4, alpha=0.5)
    ax.margins(x=0.12, y=0.12)
    ax.set_title(title or f"{ax_y.label.split(' ')[0]} vs {x}: measured here", fontsize=10)
    labels = [r["spec"] + (f" (G{r['group_id'] + 1})" if mixed else "") for _, r in points.iterrows()]
    order = sorted(range(len(points)), key=lambda k: (points.index[k] not in on_front, k))
    segments = [(b, h) for b, h, _ in arrows]
    for _, r in points.iterrows():  # error bars
        ci = r["miou_ci"]
        if ci is not None and ci == ci:
            segments.append(((r[ax_x.column], r[ax_y.column] - ci), (r[ax_x.column], r[ax_y.column] + ci)))
    for gid in sorted(found["group_id"].unique()) if len(found) else []:  # the front's steps
        f = found[found["group_id"] == gid]
        fx, fy = f[ax_x.column].to_list(), f[ax_y.column].to_list()
        for k in range(len(fx) - 1):
            corner = (fx[k + 1], fy[k]) if ax_x.better == "min" else (fx[k], fy[k + 1])
            segments += [((fx[k], fy[k]), corner), (corner, (fx[k + 1], fy[k + 1]))]
    label_layout.place_labels(fig, ax, points[ax_x.column].to_numpy(float), points[ax_y.column].to_numpy(float), labels,
                  order, segments)

    handles = [Line2D([], [], marker="o", ls="", color="0.45", markeredgecolor="white", label="base network"),
               Line2D([], [], marker="D", ls="", color="0.45", markeredgecolor="white", label="hybrid (swap)"),
               Line2D([], [], marker="o", ls="", color="0.45", markeredgecolor="black", markeredgewidth=1.3,
                      label="on the front"),
               Line2D([], [], marker="o", ls="", color="white", markeredgecolor="black", markeredgewidth=1.3,
                      label="on the front, mIoU not separated from a neighbour's")]
    front_handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=front_handles + handles, fontsize=7, loc="best", framealpha=0.85)

    if published:
        published_panel.draw(fig, fig.add_subplot(grid[0, 1]), pub, x, ax_x, ax_y, log_x)
    fig.text(0.01, -0.01, "\n".join(textwrap.wrap(text, 150 if published else 120)), fontsize=7.5, va="top",
             ha="left", color="0.15")
    paths = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        try:
            fig.savefig(path, dpi=dpi, bbox_inches="tight")
        except OSError as e:
            raise ArenaError(f"cannot write the plot to {path}: {e.strerror or e} (pass a writable folder with --out)") \
                from None
        paths.append(path)
    return ParetoResult(tuple(paths), found.reset_index(drop=True), points, text)


def draw(*folders, x: str = "latency", y: str = "miou", device=None, res=None, dataset=None, schedule=None,
         precision=None, mode=None, setting=None, allow_mixed: bool = False, out: str | os.PathLike = "pareto",
         **plot_kwargs):
    """Load result rows from `folders`, select the points, draw and write the front (ParetoResult)."""
    _axis(x, X_AXES, "--x")
    _axis(y, Y_AXES, "--y")
    summary = frames.summary(frames.load_rows(*folders))
    points = select(summary, x, y, device=device, res=res, dataset=dataset, schedule=schedule, precision=precision,
                    mode=mode, setting=setting, allow_mixed=allow_mixed)
    return plot(points, x, y, out, **plot_kwargs)


def _hybrid_arrows(points, xc, yc):
    """(base xy, hybrid xy, base name) for each hybrid whose base is plotted in the same group."""
    where = {(r["spec"], r["group_id"]): (r[xc], r[yc]) for _, r in points.iterrows()}
    out = []
    for _, r in points[points["hybrid"]].iterrows():
        base = where.get((r["base_spec"], r["group_id"]))
        if base is not None:
            out.append((base, (r[xc], r[yc]), str(r["base"])))
    return out
