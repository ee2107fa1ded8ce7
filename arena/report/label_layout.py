"""Labels that do not hide each other: greedy placement of point labels on a matplotlib axes.

Each label (front points first) takes the first free position around its point, else a farther one
with a leader line, else the least-overlapping one; also a log axis drawn with plain numbers.
"""
from __future__ import annotations

import math

_NEAR = [(6, 5, "left", "bottom"), (-6, 5, "right", "bottom"), (6, -5, "left", "top"), (-6, -5, "right", "top"),
         (8, 0, "left", "center"), (-8, 0, "right", "center"), (0, 8, "center", "bottom"), (0, -8, "center", "top")]
_FAR = [(dx * 3, dy * 3 + (10 if dy == 0 and dx else 0), ha, va) for dx, dy, ha, va in _NEAR]


def place_labels(fig, ax, xs, ys, labels, order, segments) -> None:
    """Greedy placement: each label (front points first) takes the first of 8 positions around its
    point that overlaps no placed label, no point, no line (error bars, arrows, the front's steps:
    `segments`, in data coordinates) and stays inside the axes; else one of 8 farther positions with
    a thin leader line; else the position with the least overlap (points and labels weigh more than
    lines, and a label's half-transparent white box keeps a line under it readable)."""
    import numpy as np

    fig.canvas.draw()
    ax.set_xlim(ax.get_xlim())
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, 0.0) if min(ys) >= 0 else low, high)  # an mIoU axis stops at 0: the intervals' tails are cut there
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72.0
    anchors = ax.transData.transform(np.column_stack([xs, ys]))
    frame = ax.get_window_extent(renderer)
    r = 5 * scale
    points = [(px - r, py - r, px + r, py + r) for px, py in anchors]
    lines = []
    for (x0, y0), (x1, y1) in segments:
        (a0, b0), (a1, b1) = ax.transData.transform([(x0, y0), (x1, y1)])
        steps = max(1, int(math.hypot(a1 - a0, b1 - b0) / (4 * scale)))
        lines += [(a0 + (a1 - a0) * t / steps - scale, b0 + (b1 - b0) * t / steps - scale,
                   a0 + (a1 - a0) * t / steps + scale, b0 + (b1 - b0) * t / steps + scale) for t in range(steps + 1)]
    placed: list[tuple[float, float, float, float]] = []
    for k in order:
        text = ax.annotate(labels[k], xy=(xs[k], ys[k]), xytext=(0, 0), textcoords="offset points", fontsize=7,
                           ha="left", va="bottom", zorder=5,
                           bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.75))
        box = text.get_window_extent(renderer)
        w, h = box.width, box.height
        best, best_score = None, math.inf
        for ring, candidates in enumerate((_NEAR, _FAR)):
            for dx, dy, ha, va in candidates:
                x0 = anchors[k][0] + dx * scale - {"left": 0, "right": w, "center": w / 2}[ha]
                y0 = anchors[k][1] + dy * scale - {"bottom": 0, "top": h, "center": h / 2}[va]
                cand = (x0, y0, x0 + w, y0 + h)
                score = sum(_overlap(cand, b) for b in placed) + sum(_overlap(cand, p) for p in points)
                score += 0.5 * sum(_overlap(cand, q) for q in lines)
                own = _distance(cand, anchors[k])  # a label nearer another point reads as that point's
                score += 40 * scale * scale * sum(1 for j, a in enumerate(anchors) if j != k and _distance(cand, a) < own)
                score += _outside(cand, frame) * 4 + ring * 1e-3
                if score < best_score:
                    best, best_score = (dx, dy, ha, va, ring, cand), score
            if best_score < 1:  # a clean place in the near ring beats any far one
                break
        dx, dy, ha, va, ring, cand = best
        text.set_position((dx, dy))
        text.set_ha(ha)
        text.set_va(va)
        if ring:
            ax.annotate("", xy=(xs[k], ys[k]), xytext=(dx, dy), textcoords="offset points", zorder=3,
                        arrowprops=dict(arrowstyle="-", lw=0.5, color="0.5", shrinkA=0, shrinkB=4))
        placed.append(cand)


def _distance(box, point) -> float:
    dx = max(box[0] - point[0], 0.0, point[0] - box[2])
    dy = max(box[1] - point[1], 0.0, point[1] - box[3])
    return math.hypot(dx, dy)


def plain_log(ax) -> None:
    """Log x with plain tick labels (2, 5, 10, 20) instead of 2 x 10^0."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _outside(a, frame) -> float:
    inside = _overlap(a, (frame.x0, frame.y0, frame.x1, frame.y1))
    return (a[2] - a[0]) * (a[3] - a[1]) - inside
