"""A training schedule is data: a frozen record, rescaled (never truncated) to another length.

The record lives here, below every room, because the family modules (arena/families/) hold their
papers' recipes as Schedules; arena.train.schedules names arena's own and looks them up.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from arena.errors import ArenaError

OPTIMIZERS = ("sgd", "adamw")


@dataclass(frozen=True)
class Schedule:
    name: str
    iters: int
    batch: int
    crop: tuple[int, int]
    lr: float
    momentum: float = 0.9
    weight_decay: float = 5e-4
    decay_norms_and_biases: bool = False  # False: no weight decay on norm weights and biases
    warmup: float = 0.05  # fraction of iters with a linear warm-up
    warmup_start: float = 0.1  # lr factor at iteration 0
    power: float = 0.9  # poly decay exponent
    ohem: float | None = None  # OHEM: keep pixels whose true-class probability is below this
    ohem_min_kept: int = 0  # ... but at least this many pixels per batch
    clip_grad: float | None = None  # max gradient norm, or no clipping
    eval_every: int = 0  # iterations between validations (0: at the end only)
    ckpt_every: int = 0  # iterations between checkpoints (0: at the end only)
    log_every: int = 10
    # synthetic validation scenes (real datasets use their val split): the same scenes for every seed and
    # network; enough that rare classes occur in dozens of scenes (demo 200, short 500: issue 16)
    val_images: int = 16
    scale: tuple[float, float] = (0.75, 1.5)  # random scale of real images
    lr_mult: tuple[tuple[str, float], ...] = ()  # (role or role.block, factor): per-node learning-rate factors
    freeze_trunk_bn_affine: bool = False  # keep the trunk's BN weights and biases out of the optimizer
    optimizer: str = "sgd"  # "sgd" (with `momentum`) or "adamw" (with `betas`; decoupled weight decay)
    betas: tuple[float, float] = (0.9, 0.999)  # AdamW only
    ce_all_pixels: bool = False  # cross-entropy mean over all pixels, ignored ones counting 0 (mmseg v0.x)
    source: str = ""

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ArenaError(f"schedule {self.name!r}: optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"got {self.optimizer!r}")

    @property
    def warmup_iters(self) -> int:
        return round(self.warmup * self.iters)

    def lr_at(self, it: int) -> float:
        """The learning rate at iteration `it` (0-based): linear warm-up, then poly to 0 at `iters`."""
        w = self.warmup_iters
        if it < w:
            return self.lr * (self.warmup_start + (1 - self.warmup_start) * it / w)
        return self.lr * (1 - (it - w) / max(self.iters - w, 1)) ** self.power

    def rescaled(self, iters: int) -> "Schedule":
        """The same schedule over `iters` iterations: warm-up, evaluation and checkpoints scale with it."""
        if iters < 1:
            raise ArenaError(f"--iters must be >= 1, got {iters}")
        ratio = iters / self.iters
        return dataclasses.replace(self, iters=iters, eval_every=round(self.eval_every * ratio),
                                   ckpt_every=round(self.ckpt_every * ratio))

    def record(self) -> dict:
        return dataclasses.asdict(self)
