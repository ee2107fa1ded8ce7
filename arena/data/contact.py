"""A PNG contact sheet: images beside their coloured labels, with the class legend (matplotlib, Agg)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from arena.data.labels import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, IGNORE, colorize


def contact_sheet(samples: Sequence[tuple[np.ndarray, np.ndarray]], path: str | Path, *,
                  palette: np.ndarray = CITYSCAPES_PALETTE, classes: Sequence[str] = CITYSCAPES_CLASSES,
                  titles: Sequence[str] | None = None, title: str | None = None, pairs_per_row: int = 2) -> Path:
    """Write (image HxWx3 uint8, label HxW class indices) pairs as a grid of image | colour label to `path`.

    Ignore pixels (255) are drawn black. Returns the path written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = len(samples)
    cols = max(1, min(pairs_per_row, n))
    rows = (n + cols - 1) // cols
    h, w = samples[0][1].shape[:2]
    panel_w = 4.0
    panel_h = panel_w * h / w
    fig = Figure(figsize=(2 * cols * panel_w, rows * (panel_h + 0.3) + 1.2), dpi=max(100, int(w / panel_w)))
    FigureCanvasAgg(fig)
    for i, (image, label) in enumerate(samples):
        r, c = divmod(i, cols)
        for j, picture in enumerate((image, colorize(label, palette))):
            ax = fig.add_subplot(rows, 2 * cols, r * 2 * cols + 2 * c + j + 1)
            ax.imshow(picture, interpolation="nearest")
            ax.set_axis_off()
            if j == 0 and titles is not None:
                ax.set_title(titles[i], fontsize=8)
    handles = [Patch(color=np.asarray(palette[k]) / 255, label=name) for k, name in enumerate(classes)]
    handles.append(Patch(color=(0, 0, 0), label=f"ignore ({IGNORE})"))
    fig.legend(handles=handles, loc="lower center", ncol=10 if cols > 1 else 7, fontsize=7, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95 if title else 0.98, bottom=1.0 / (rows * (panel_h + 0.3) + 1.2),
                        wspace=0.03, hspace=0.15)
    path = Path(path)
    fig.savefig(path, format="png")
    return path
