"""The synthetic scenes as a map-style torch Dataset: what the training loop reads."""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from arena.data.synthetic.config import SynthConfig
from arena.data.synthetic.rendering import SPLITS, check_size, render
from arena.errors import ArenaError


class SyntheticScenes(Dataset):
    """A map-style Dataset: item i is scene (seed, i) of `split`, rendered at `size` = (H, W).

    Returns (image float32 3xHxW, normalised with the ImageNet mean and std; label int64 HxW trainIds).
    `item` may also be an (index, sample_seed) pair from `arena.data.SeededSampler`: the sample seed
    is unused, the scene is already random. `len` is `length`: pick it as large as the samples a run
    draws, so every sample is a fresh scene.
    """
    shuffle_default = False  # scenes are i.i.d.: read them in order, nothing to shuffle

    def __init__(self, length: int, size: tuple[int, int], seed: int = 0, split: str = "train",
                 config: SynthConfig | None = None):
        if split not in SPLITS:
            raise ArenaError(f"synthetic split {split!r} is not one of {', '.join(SPLITS)}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise ArenaError(f"synthetic dataset length must be a positive integer, got {length!r}")
        self.length, self.size, self.seed, self.split = length, check_size(size), int(seed), split
        self.config = config or SynthConfig()

    def __len__(self) -> int:
        return self.length

    def scene(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Scene `index` as uint8 arrays (image HxWx3 RGB, label HxW trainIds)."""
        if not 0 <= index < self.length:
            raise IndexError(f"scene {index} is outside 0..{self.length - 1}")
        return render(self.seed, index, self.size, self.config, self.split)

    read = scene   # the name real datasets give their raw uint8 read (what `arena data show` draws)

    def __getitem__(self, item):
        from arena.data.transforms import to_tensor

        index = item[0] if isinstance(item, tuple) else item
        image, label = self.scene(int(index))
        return to_tensor(image), torch.from_numpy(label.astype(np.int64))
