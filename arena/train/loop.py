"""`arena train`: one flat training loop, meant to be read in one sitting.

    seed -> build -> data stream -> SGD (poly, warm-up) -> [forward, loss, NaN guard, backward, step]
    x iterations, with validation and atomic checkpoints on the schedule -> final metrics -> a row
    (returned: the caller appends it to the results store).

Determinism: the seed fixes the initialisation (every node from (seed, node name): `arena.build(seed=)`)
and the data (arena.data's seeded stream: which scene, which crop, in which order), so `fanet18` and
`fanet18[upsampler=gai]` at seed 3 start from the same weights in every module they share and see the
same images in the same order. A checkpoint holds the
model, optimiser, grad scaler, iteration (the schedule and the data position follow from it) and
every rank's RNG states (arena.train.checkpoint), so `--resume` continues exactly: on CPU an
interrupted and resumed run ends with the same weights, bit for bit, as one that was never
interrupted (tested); on a GPU only with `deterministic` and no kernel without a deterministic
version (arena.train.determinism), approximately otherwise.

The loop prints nothing: it reports through `on_log` (the CLI draws the progress bar from it). The
set-up steps live in arena.train.setup, the run folder (named by setting, locked, never
overwritten) in arena.train.run_folder, the row in arena.train.row.
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from arena.errors import ArenaError
from arena.train import checkpoint, run_folder, setup
from arena.train.determinism import Record, deterministic
from arena.train.distributed import Dist, all_finite, barrier, gather, init, shutdown
from arena.train.losses import total_loss
from arena.train.schedules import Schedule
from arena.train.setup import evaluate, param_groups, schedule_of

__all__ = ["Run", "TrainConfig", "TrainingDiverged", "evaluate", "param_groups", "run_name", "train"]
run_name = run_folder.run_name


class TrainingDiverged(ArenaError):
    """The loss became NaN or infinite; the last good state was saved."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything `arena train` was asked for; recorded in the run folder and the row."""

    spec: str
    data: str = "synthetic"
    schedule: str = "smoke"
    iters: int | None = None  # rescale the schedule to this length
    batch: int | None = None
    crop: tuple[int, int] | None = None
    seed: int = 0
    device: str = "cpu"
    amp: bool | None = None  # None: on for CUDA, off on CPU
    channels_last: bool | None = None  # None: on for CUDA
    workers: int = 0
    threads: int | None = None
    clip_grad: float | None = None
    ohem: bool | None = None  # None: as the schedule says
    pretrained: str | None = None
    resume: str | None = None
    out: str = "results"  # run folders go to OUT/runs/<name>; the caller appends the row to the store
    name: str | None = None
    swaps: tuple[str, ...] = ()
    deterministic: bool = False  # deterministic algorithms, cuDNN and cuBLAS (arena.train.determinism)

    def record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Run:
    """What a run produced: the row, the folder, the final metrics."""

    row: dict[str, Any]
    folder: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    main: bool = True  # the rank that reports (rank 0): only its row is appended to the store


def train(cfg: TrainConfig, on_log: Callable[[dict[str, Any]], None] | None = None) -> Run:
    """Train one network under one schedule and seed; returns the run (its row, for the caller to append)."""
    with deterministic(cfg.deterministic) as record:
        d = init(cfg.device)
        try:
            return _train(cfg, on_log, d, record)
        finally:
            shutdown(d)


@dataclass
class _Parts:
    """What the loop steps: the model (and its DDP wrapper), optimiser, scaler, where it runs, the curve."""

    cfg: TrainConfig
    net: Any
    model: Any
    trained: Any
    optimizer: Any
    scaler: Any
    sched: Schedule
    where: setup.Placement
    d: Dist
    folder: Path
    curve: dict[str, list]

    def save(self, iteration: int) -> Path | None:
        """Every rank's RNG gathered (all ranks call this); rank 0 writes."""
        rngs = gather(checkpoint.rng_state(), self.d)
        if not self.d.main:
            return None
        return checkpoint.save(self.folder / checkpoint.LAST, {
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(), "iteration": iteration, "rng": {"ranks": rngs}, "curve": self.curve,
            "config": self.cfg.record(), "setting": checkpoint.setting_of(self.cfg.record(), self.d.world),
            "schedule": self.sched.record(), "spec": self.net.canonical})


def _folder(cfg: TrainConfig, net, sched: Schedule, d: Dist) -> Path:
    """The run folder: the resumed one, or OUT/runs/<name by setting>, refused now if it holds a run."""
    from arena.checks import writable_folder

    if cfg.resume:
        return Path(cfg.resume)
    out = writable_folder(cfg.out, "results", create=False)  # made with the run folder, once the run can start
    setting = run_folder.run_setting(cfg.record(), sched.record(), net.canonical, d.world)
    folder = out / "runs" / (cfg.name or run_name(net.canonical, sched.name, cfg.seed, setting))
    run_folder.check_new(folder)
    writable_folder(folder, "the run", create=False)  # DIR/runs a file, say: refused before any work
    return folder


def _train(cfg: TrainConfig, on_log, d: Dist, record: Record) -> Run:
    import torch

    from arena.api import build
    from arena.networks import family_of

    resumed = checkpoint.load(cfg.resume) if cfg.resume else None
    if resumed:  # before anything else: a resume that cannot fit says so first
        checkpoint.check_resumable(resumed, cfg.resume, cfg.record(), d.world)
    where = setup.place(cfg, d)

    # the network: each node initialised from (seed, node name), so a hybrid shares its base's weights
    from arena.measure import memory

    meta = build(cfg.spec, list(cfg.swaps) or None, device="meta")  # sizes first: nothing allocated yet
    family = family_of(meta.resolved.entry)
    sched = schedule_of(cfg, family.name if family else None)
    memory.check(meta, *sched.crop, batch=sched.batch, training=True)
    torch.manual_seed(cfg.seed)  # the stream dropout and other training-time draws start from
    net = build(cfg.spec, list(cfg.swaps) or None, seed=cfg.seed)
    folder = _folder(cfg, net, sched, d)
    train_set, data_desc, val_set, val_desc = setup.open_data(cfg, sched, net)

    pretrained = None
    if cfg.pretrained:  # a user's backbone, then the device
        from arena.train.pretrained import load_backbone

        pretrained = load_backbone(net, cfg.pretrained)
    model = net.to(where.device, memory_format=torch.channels_last if where.channels_last else torch.contiguous_format)
    model.train()
    trained = model
    if d.active:
        from torch.nn.parallel import DistributedDataParallel

        trained = DistributedDataParallel(model, device_ids=[where.device.index] if where.cuda else None)
    optimizer = setup.optimiser(model, sched)
    scaler = torch.amp.GradScaler("cuda", enabled=where.amp)
    start, curve = 0, {"loss": [], "val": []}
    if resumed:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        scaler.load_state_dict(resumed["scaler"])
        checkpoint.set_rng_state(checkpoint.rank_rng(resumed, d.rank))
        start, curve = resumed["iteration"], resumed["curve"]
    parts = _Parts(cfg, net, model, trained, optimizer, scaler, sched, where, d, folder, curve)
    names, classes = data_desc.get("class_names"), data_desc["classes"]

    held = run_folder.held(folder, new=not cfg.resume) if d.main else contextlib.nullcontext(folder)
    with held:
        if d.main:
            run_folder.write_config(folder, {"config": cfg.record(), "schedule": sched.record(), "data": data_desc,
                                             "spec": net.canonical})
        it, wait, wall = _fit(parts, train_set, val_set, classes, names, start, on_log)
        val = evaluate(model, val_set, classes, where.device, sched.batch, d, names, where.channels_last)
        curve["val"].append({"iter": it, "miou": val["miou"], "pixel_acc": val["pixel_acc"]})
        parts.save(it)
        barrier(d)
        from arena.train import row as rows

        metrics = rows.metrics_of(val, curve, it, start, bool(cfg.resume), wall, (it - start) * sched.batch * d.world,
                                  wait, pretrained, folder)
        row = rows.make(cfg, net, sched, where, d, data_desc, val_desc, metrics, record.ops)
        if d.main:
            from arena import atomic

            atomic.write_json(folder / "row.json", row)
    return Run(row, folder, metrics, main=d.main)


def _fit(p: _Parts, train_set, val_set, classes: int, names, start: int, on_log) -> tuple[int, float, float]:
    """The loop, from iteration `start` to the schedule's end: (last iteration, data wait s, wall s)."""
    import torch

    from arena.data import loader

    sched, d, device, model, curve = p.sched, p.d, p.where.device, p.model, p.curve
    per_step = sched.batch * d.world
    batches = loader(train_set, sched.batch, p.cfg.seed, p.cfg.workers, str(device),
                     samples=sched.iters * per_step, start=start * per_step, rank=d.rank, world=d.world)
    it, wait, began = start, 0.0, time.perf_counter()
    fetched = time.perf_counter()
    for images, labels in batches:
        wait += time.perf_counter() - fetched
        lr = sched.lr_at(it)
        for group in p.optimizer.param_groups:
            group["lr"] = lr * group.get("lr_mult", 1.0)
        images = images.to(device, non_blocking=True)
        if p.where.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        labels = labels.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.float16, enabled=p.where.amp):
            output = p.trained(images)
        loss, parts = total_loss(output, labels, sched.ohem, sched.ohem_min_kept, sched.ce_all_pixels)
        if not all_finite(loss, d):  # the guard, on every rank at once: weights are still the last good ones
            saved = p.save(it)
            value = loss.item() if not torch.isfinite(loss).all() else "not finite on another rank"
            raise TrainingDiverged(f"the loss is {value} at iteration {it} of {p.net.canonical}: training "
                                   f"stopped; the last good state is saved in {saved or p.folder} (lower the "
                                   "learning rate, or add --clip-grad)")
        p.optimizer.zero_grad(set_to_none=True)
        p.scaler.scale(loss).backward()
        if sched.clip_grad:
            p.scaler.unscale_(p.optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), sched.clip_grad)
        p.scaler.step(p.optimizer)
        p.scaler.update()
        it += 1
        if it % sched.log_every == 0 or it == sched.iters:
            elapsed = time.perf_counter() - began
            entry = {"iter": it, "loss": loss.item(), "lr": lr, **{k: v.item() for k, v in parts.items()}}
            curve["loss"].append(entry)
            if on_log and d.main:
                on_log({**entry, "iters": sched.iters, "images_per_s": (it - start) * per_step / max(elapsed, 1e-9),
                        "elapsed_s": elapsed})
        if sched.eval_every and it % sched.eval_every == 0 and it < sched.iters:
            val = evaluate(model, val_set, classes, device, sched.batch, d, names, p.where.channels_last)
            curve["val"].append({"iter": it, "miou": val["miou"], "pixel_acc": val["pixel_acc"]})
            if on_log and d.main:
                on_log({"iter": it, "iters": sched.iters, "val_miou": val["miou"]})
        if sched.ckpt_every and it % sched.ckpt_every == 0 and it < sched.iters:
            p.save(it)
        if it >= sched.iters:
            break
        fetched = time.perf_counter()
    return it, wait, time.perf_counter() - began
