"""The Pareto plot's panel of the papers' own headline figures (arena/report/published.py): measured
elsewhere (their GPU, framework and resolution), so drawn beside arena's axes, never on them."""
from __future__ import annotations

from arena.report import label_layout

LABEL = {"latency": "frame time = 1000 / FPS (ms), as reported", "fps": "FPS, as reported",
         "gmacs": "GMACs, as reported", "params": "parameters (M), as reported"}


def points(measured):
    """The papers' headline rows for the networks plotted (all of them when none is published)."""
    from arena.report import published as pub

    datasets = {str(d) for d in measured["dataset"].dropna()}
    dataset = "camvid" if datasets == {"camvid"} else "cityscapes"
    table = pub.frame(dataset=dataset, headline_only=True)
    present = set(measured["base"].dropna().astype(str))
    if present & set(table["variant"]):
        table = table[table["variant"].isin(present)]
    return table


def draw(fig, ax, table, x: str, ax_x, ax_y, log_x: bool) -> None:
    """The panel: hollow markers labelled with the authors' GPU, never on the measured axes."""
    column = ax_x.published
    have = table[table[column].notna() & table[ax_y.published].notna()] if column else table.iloc[0:0]
    dataset = str(table["dataset"].iloc[0]) if len(table) else "cityscapes"
    ax.set_title(f"published ({dataset}): the papers' own figures,\nmeasured elsewhere (their GPU, framework, "
                 "resolution)", fontsize=8.5)
    ax.set_ylabel(f"{ax_y.label}, {dataset}, as reported")
    ax.set_xlabel(LABEL[x])
    ax.grid(True, lw=0.4, alpha=0.5)
    missing = sorted(set(table["method"]) - set(have["method"]))
    if not len(have):
        ax.text(0.5, 0.5, f"the papers state no {ax_x.label.split(' (')[0]}\nfor these networks",
                ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.3")
        ax.set_xticks([])
        ax.set_yticks([])
        return
    xs, ys = have[column].to_numpy(float), have[ax_y.published].to_numpy(float)
    ax.scatter(xs, ys, s=46, facecolors="none", edgecolors="0.2", linewidths=1.1, marker="o", zorder=3)
    if log_x:
        label_layout.plain_log(ax)
    ax.margins(x=0.18, y=0.15)
    labels = [f"{m} ({g or 'GPU ?'})" for m, g in zip(have["method"], have["gpu"])]
    label_layout.place_labels(fig, ax, xs, ys, labels, list(range(len(labels))), [])
    if missing:
        ax.text(0.01, 0.01, "no figure: " + ", ".join(missing), transform=ax.transAxes, fontsize=6.5, color="0.35",
                va="bottom")
