"""Training schedules are data: each a frozen record, rescaled (never truncated) to another length.

`smoke` runs in seconds on a CPU (tests), `demo` is what `arena demo` trains on a laptop CPU,
`short` is the ablation budget (minutes on one GPU), `paper` is each family's published recipe as
far as the papers and official code state it (docs/networks.md gives the source of every value and
says which are assumptions). A shorter run is the same schedule rescaled: warm-up and poly decay
are fractions of its own length, so `--iters 100` is a complete short schedule, not the first 100
iterations of a long one.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from arena.errors import ArenaError


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
    source: str = ""

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


SCHEDULES: dict[str, Schedule] = {s.name: s for s in (
    Schedule("smoke", iters=12, batch=2, crop=(64, 128), lr=0.02, warmup=0.1, log_every=2, val_images=4,
             source="arena: seconds on a CPU, for tests"),
    Schedule("demo", iters=240, batch=4, crop=(128, 256), lr=0.05, weight_decay=1e-4, warmup=0.05,
             eval_every=0, ckpt_every=120, log_every=20, val_images=200,
             source="arena: what `arena demo` trains on a laptop CPU (about a minute per small network)"),
    Schedule("short", iters=4000, batch=8, crop=(512, 1024), lr=0.02, weight_decay=1e-4, warmup=0.03,
             eval_every=1000, ckpt_every=1000, log_every=50, val_images=500,
             source="arena: the ablation budget, minutes on one GPU"),
)}

# The published recipes (docs/networks.md, per family), as far as they are known.
PAPER: dict[str, Schedule] = {
    "fanet": Schedule("paper", iters=80_000, batch=16, crop=(1024, 1024), lr=0.01, weight_decay=5e-4,
                      decay_norms_and_biases=True, warmup=1000 / 80_000, warmup_start=1e-3, ohem=0.7,
                      ohem_min_kept=16 * 1024 * 1024 // 16, scale=(0.75, 2.0), eval_every=8000, ckpt_every=8000,
                      log_every=50, source="FANet official Train/ config and paper (batch, crop and iterations "
                                           "assumed: docs/networks.md#fanet)"),
    "fast_scnn": Schedule("paper", iters=160_000, batch=32, crop=(512, 1024), lr=0.12, weight_decay=4e-5,
                          warmup=0.0, scale=(0.5, 2.0), eval_every=16_000, ckpt_every=16_000, log_every=50,
                          source="mmseg fast_scnn_8xb4-160k_cityscapes-512x1024, the recipe known to reproduce "
                                 "the paper (docs/networks.md#fast-scnn)"),
    "s2fpn": Schedule("paper", iters=500 * 2975 // 8, batch=8, crop=(512, 1024), lr=3e-4, weight_decay=1e-4,
                      warmup=500 / (500 * 2975 // 8), warmup_start=1 / 3, scale=(0.75, 2.0), eval_every=20_000,
                      ckpt_every=20_000, log_every=50,
                      source="S2-FPN official README command (lr uncertain: docs/networks.md#s2-fpn)"),
    "sgcpnet": Schedule("paper", iters=28_700, batch=36, crop=(1024, 1024), lr=0.3, weight_decay=1e-5,
                        warmup=0.0, scale=(0.5, 2.0), eval_every=2870, ckpt_every=2870, log_every=50,
                        source="SGCPNet official src/config.py (docs/networks.md#sgcpnet)"),
    "gain": Schedule("paper", iters=80_000, batch=16, crop=(1024, 1024), lr=0.01, weight_decay=1e-4,
                     decay_norms_and_biases=True, warmup=0.0, ohem=0.7, ohem_min_kept=100_000, scale=(0.5, 2.0),
                     eval_every=8000, ckpt_every=8000, log_every=50,
                     source="GAIN official configs (docs/networks.md#gain)"),
    # DDRNet and PIDNet train in the HRNet-v1.1 loop: 484 epochs x floor(2975 / 12) = 119,548 iterations,
    # SGD 0.01 / 0.9 / 5e-4 on every parameter, poly 0.9 without warm-up, crops 1024x1024, OHEM 0.9 keeping
    # at least 131,072 pixels per replica of 6 images (x2 for one batch of 12). Not reproduced: the 19
    # Cityscapes class weights of the losses, the discrete scale set 0.5..2.1 (sampled continuously here),
    # and the ImageNet initialisation (none can be downloaded: arena trains from scratch; expect far lower
    # mIoU, e.g. about 55 % val reported for DDRNet-23-slim from scratch, ydhongHIT/DDRNet#18).
    "ddrnet": Schedule("paper", iters=119_548, batch=12, crop=(1024, 1024), lr=0.01, weight_decay=5e-4,
                       decay_norms_and_biases=True, warmup=0.0, ohem=0.9, ohem_min_kept=2 * 131_072,
                       scale=(0.5, 2.1), eval_every=11_955, ckpt_every=11_955, log_every=50,
                       source="HRNet-v1.1 defaults the DDRNet maintainer follows (the repo has no training code); "
                              "aux weight 0.4 as chenjun2hao/mmseg; from scratch (docs/networks.md#ddrnet)"),
    "pidnet": Schedule("paper", iters=119_548, batch=12, crop=(1024, 1024), lr=0.01, weight_decay=5e-4,
                       decay_norms_and_biases=True, warmup=0.0, ohem=0.9, ohem_min_kept=2 * 131_072,
                       scale=(0.5, 2.1), eval_every=11_955, ckpt_every=11_955, log_every=50,
                       source="PIDNet official configs/cityscapes/pidnet_small_cityscapes.yaml and tools/train.py; "
                              "from scratch, no class weights (docs/networks.md#pidnet)"),
    "stdc": Schedule("paper", iters=60_000, batch=48, crop=(512, 1024), lr=0.01, weight_decay=5e-4,
                     warmup=1000 / 60_000, warmup_start=1e-3, ohem=0.7, ohem_min_kept=48 * 512 * 1024 // 16,
                     scale=(0.125, 1.5), eval_every=6000, ckpt_every=6000, log_every=50,
                     lr_mult=(("fusion.bisenet_ffm", 10.0), ("head", 10.0)), freeze_trunk_bn_affine=False,
                     source="STDC-Seg official train.py / optimizer_loss.py, README command (3 GPUs x 16). "
                            "Differs on purpose: from scratch here, so the trunk's BN weights and biases train "
                            "(official: left out of the optimizer, which only makes sense with its ImageNet "
                            "weights; freeze_trunk_bn_affine=True restores it). Approximations: linear warm-up "
                            "from 1e-5 (official geometric), uniform scales 0.125-1.5 (official: 12 discrete "
                            "ones) (docs/networks.md#stdc-seg)"),
    "bisenetv2": Schedule("paper", iters=150_000, batch=16, crop=(512, 1024), lr=0.05, weight_decay=5e-4,
                          warmup=1000 / 150_000, warmup_start=0.1, ohem=0.7, ohem_min_kept=16 * 512 * 1024 // 16,
                          scale=(0.25, 2.0), eval_every=15_000, ckpt_every=15_000, log_every=50,
                          source="BiSeNetV2 paper's from-scratch recipe as the reference's 2020 train.py: lr 5e-2 "
                                 "for all, 1 K warm-up (linear here, exponential there), OHEM on main and "
                                 "boosters. The reference's current recipe (lr 5e-3, heads x10) assumes its "
                                 "ImageNet branches (docs/networks.md#bisenetv2)"),
}


def schedule_for(name: str, family: str | None) -> Schedule:
    """A schedule by name; `paper` needs the network's published family."""
    if name == "paper":
        if family not in PAPER:
            raise ArenaError("--schedule paper needs a published network (its recipe is per family): "
                             f"choose from {', '.join(SCHEDULES)} for this one")
        return PAPER[family]
    if name not in SCHEDULES:
        raise ArenaError(f"unknown schedule {name!r}: choose from {', '.join([*SCHEDULES, 'paper'])}")
    return SCHEDULES[name]
