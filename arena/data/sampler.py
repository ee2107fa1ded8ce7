"""Seeded data order for training: which sample comes at each position, and its augmentation seed.

A run reads one stream of positions 0, 1, 2, ... (`samples` of them: iterations x batch x world).
Position p is item `order_e[p mod n]` of epoch e = p // n (order_e a permutation seeded by
(seed, e), or the identity when not shuffling), paired with its own sample seed
`sample_seed(seed, p)`. Nothing depends on workers, timing or the process: one seed gives one
sequence of (item, crop), so two networks trained at one seed see the same images in the same
order, and a resumed run continues at `start` = the position it stopped at.

With `world` > 1 (DDP) rank r reads positions p with p % world == r: at every step the ranks
together read the same positions one process would have read.
"""
from __future__ import annotations

import random
from typing import Iterator

import numpy as np
import torch
from torch.utils.data import Sampler

from arena.errors import ArenaError

_MASK = (1 << 64) - 1


def sample_seed(seed: int, position: int) -> int:
    """A 63-bit seed for (run seed, position), well mixed (splitmix64): neighbouring positions and
    neighbouring run seeds give unrelated streams."""
    x = (int(seed) * 0x9E3779B97F4A7C15 + int(position) * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019) & _MASK
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    return x >> 1


def _count(value, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ArenaError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class SeededSampler(Sampler):
    """Yields (item index, sample seed) for positions start, start + world, ... < samples (offset by rank).

    n: the dataset's length. samples: positions in the whole stream (default n: one epoch; larger
    values run more epochs, each with its own order). start: the first position (a multiple of
    world; a resumed run passes the number of samples already read).
    """

    def __init__(self, n: int, seed: int, *, shuffle: bool = True, samples: int | None = None, start: int = 0,
                 rank: int = 0, world: int = 1):
        self.n = _count(n, "dataset length", 1)
        self.seed = int(seed)
        self.shuffle = bool(shuffle)
        self.samples = self.n if samples is None else _count(samples, "samples", 0)
        self.start = _count(start, "start", 0)
        self.world = _count(world, "world", 1)
        self.rank = _count(rank, "rank", 0)
        if self.rank >= self.world:
            raise ArenaError(f"rank {rank} must be below world {world}")
        if self.start % self.world:
            raise ArenaError(f"start {start} must be a multiple of world {world} (the samples all ranks read)")
        self._epoch, self._order = -1, None

    def order(self, epoch: int) -> torch.Tensor:
        """The permutation of epoch `epoch` (cached for the current one)."""
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(sample_seed(self.seed ^ 0x5EED_0F_0BDE, epoch))
            self._order, self._epoch = torch.randperm(self.n, generator=g), epoch
        return self._order

    def item(self, position: int) -> tuple[int, int]:
        epoch, j = divmod(position, self.n)
        index = int(self.order(epoch)[j]) if self.shuffle else j
        return index, sample_seed(self.seed, position)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for p in range(self.start + self.rank, self.samples, self.world):
            yield self.item(p)

    def __len__(self) -> int:
        return len(range(self.start + self.rank, self.samples, self.world))


def seed_worker(worker_id: int) -> None:
    """DataLoader worker init: one thread per worker, and Python's and numpy's global RNGs seeded from
    the worker's torch seed (itself fixed by the loader's seeded generator). arena's own data code
    draws from per-sample generators only; this protects user transforms that use the globals."""
    torch.set_num_threads(1)
    s = torch.initial_seed() % 2**32
    random.seed(s)
    np.random.seed(s)
