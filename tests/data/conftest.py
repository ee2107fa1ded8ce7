"""Tiny dataset trees written by the tests themselves (no real dataset is available here)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arena.data.io import write_png

# labelIds and the trainIds the official table gives them (255: void / ignoreInEval / license plate)
CITYSCAPES_IDS = np.array([[7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28],
                           [31, 32, 33, 0, 1, 4, 5, 6, 9, 10, 14, 15, 16, 18, 29, 30],
                           [255, 3, 2, 7, 7, 7, 7, 7, 8, 8, 8, 8, 26, 26, 26, 26]] * 3, dtype=np.uint8)[:8]
CITYSCAPES_TRAIN = np.array([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
                             [16, 17, 18] + [255] * 13,
                             [255] * 3 + [0] * 5 + [1] * 4 + [13] * 4] * 3, dtype=np.uint8)[:8]

def image(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def cityscapes_tree(root: Path, splits=("train", "val"), cities=("aachen", "bonn"), per_city=2,
                    label: np.ndarray = CITYSCAPES_IDS) -> Path:
    h, w = label.shape
    for split in splits:
        for c, city in enumerate(cities):
            (root / "leftImg8bit" / split / city).mkdir(parents=True, exist_ok=True)
            (root / "gtFine" / split / city).mkdir(parents=True, exist_ok=True)
            for i in range(per_city):
                name = f"{city}_{i:06d}_000019"
                write_png(root / "leftImg8bit" / split / city / f"{name}_leftImg8bit.png", image(h, w, 10 * c + i))
                write_png(root / "gtFine" / split / city / f"{name}_gtFine_labelIds.png", label)
    return root


def camvid_tree(root: Path, size=(12, 16), n=3, splits=("train", "val", "test")) -> Path:
    h, w = size
    label = (np.arange(h * w).reshape(h, w) % 12).astype(np.uint8)   # 0..10 and 11 (void)
    for split in splits:
        (root / split).mkdir(parents=True, exist_ok=True)
        (root / f"{split}annot").mkdir(parents=True, exist_ok=True)
        for i in range(n):
            write_png(root / split / f"0001TP_{i:06d}.png", image(h, w, i))
            write_png(root / f"{split}annot" / f"0001TP_{i:06d}.png", label)
    return root


@pytest.fixture
def cityscapes_root(tmp_path) -> Path:
    return cityscapes_tree(tmp_path / "cityscapes")


@pytest.fixture
def camvid_root(tmp_path) -> Path:
    return camvid_tree(tmp_path / "camvid")
