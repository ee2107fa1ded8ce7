"""File-pair datasets (an image PNG and a label PNG of class values), shared by Cityscapes and CamVid.

A label value maps through a 256-entry lookup table to a class index or 255 (ignore); a value the
table does not know is an error naming the file and the value. Reading checks that image and label
have one size (else an error naming the file).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from torch.utils.data import Dataset

from arena.data.io import read_image, read_label
from arena.data.labels import IGNORE
from arena.errors import ArenaError


class PairDataset(Dataset):
    """(image, label) file pairs -> (float32 3xhxw normalised, int64 hxw class indices, 255 ignore).

    `item` is an index, or an (index, sample_seed) pair from `arena.data.SeededSampler`; the sample
    seed drives the transform's randomness (a plain index uses one derived from (seed, index)).
    """
    shuffle_default = True
    name = "pairs"
    valid_values = "the class range"

    def __init__(self, pairs: Sequence[tuple[Path, Path]], lut: np.ndarray, transform, seed: int = 0):
        self.pairs, self.lut, self.transform, self.seed = list(pairs), lut, transform, int(seed)

    def __len__(self) -> int:
        return len(self.pairs)

    def read(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Pair `index` untransformed: (image HxWx3 uint8 RGB, label HxW uint8 class indices, 255 ignore)."""
        image_path, label_path = self.pairs[index]
        image, raw = read_image(image_path), read_label(label_path)
        if raw.ndim != 2:
            raise ArenaError(f"label {label_path} has shape {raw.shape}: expected one channel of class values")
        if raw.shape != image.shape[:2]:
            raise ArenaError(f"label {label_path} is {raw.shape[0]}x{raw.shape[1]} but its image {image_path.name} "
                             f"is {image.shape[0]}x{image.shape[1]}: image and label must have the same size")
        if raw.dtype != np.uint8:
            if raw.min() < 0 or raw.max() > 255:
                value = int(raw.max() if raw.max() > 255 else raw.min())
                raise ArenaError(f"label {label_path} holds value {value}, outside {self.valid_values}")
            raw = raw.astype(np.uint8)
        label = self.lut[raw]
        bad = label < 0
        if bad.any():
            raise ArenaError(f"label {label_path} holds value {int(raw[bad][0])}, outside {self.valid_values}")
        return image, label.astype(np.uint8)

    def __getitem__(self, item):
        from arena.data.sampler import sample_seed
        from arena.data.transforms import generator

        index, seed = item if isinstance(item, tuple) else (item, sample_seed(self.seed, int(item)))
        image, label = self.read(int(index))
        return self.transform(image, label, generator(seed), name=str(self.pairs[int(index)][1]))

    def first_size(self) -> tuple[int, int]:
        """The (H, W) of the first image (datasets of one resolution report it)."""
        from PIL import Image

        with Image.open(self.pairs[0][0]) as im:
            return im.height, im.width


__all__ = ["PairDataset", "IGNORE"]
