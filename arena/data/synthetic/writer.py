"""Synthetic scenes to disk in the Cityscapes layout, so the real-data loader reads them back."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from arena.data.synthetic.config import SynthConfig
from arena.data.synthetic.rendering import SPLITS, check_size, render
from arena.errors import ArenaError


def write_cityscapes(out: str | Path, n: int, size: tuple[int, int], seed: int = 0, split: str = "train",
                     config: SynthConfig | None = None, city: str | None = None,
                     on_scene: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write scenes 0..n-1 as leftImg8bit/<split>/<city>/<name>_leftImg8bit.png and
    gtFine/<split>/<city>/<name>_gtFine_labelIds.png (labelIds, as Cityscapes ships them), so that
    `arena.data.cityscapes` reads them back. `<city>` defaults to `synth<seed>`, `<name>` is
    `<city>_<index:06d>_000019`. Returns {"root", "images", "labels", "n", "size", "seed", "split", "config"}.
    """
    from arena.checks import writable_folder
    from arena.data.io import write_png
    from arena.data.labels import TRAIN_TO_LABEL

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArenaError(f"--n must be a positive number of scenes, got {n!r}")
    if split not in SPLITS:
        raise ArenaError(f"split {split!r} is not one of {', '.join(SPLITS)}")
    h, w = check_size(size)
    cfg = config or SynthConfig()
    root = writable_folder(out, "the dataset")
    city = city or f"synth{seed}"
    images, labels = root / "leftImg8bit" / split / city, root / "gtFine" / split / city
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        image, label = render(seed, i, (h, w), cfg, split)
        name = f"{city}_{i:06d}_000019"
        write_png(images / f"{name}_leftImg8bit.png", image)
        write_png(labels / f"{name}_gtFine_labelIds.png", TRAIN_TO_LABEL[label])
        if on_scene is not None:
            on_scene(i)
    return {"root": str(root), "images": str(images), "labels": str(labels), "n": n, "size": [h, w],
            "seed": seed, "split": split, "config": cfg.asdict()}
