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

The loop prints nothing: it reports through `on_log` (the CLI draws the progress bar from it).
"""
from __future__ import annotations

import dataclasses
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from arena.errors import ArenaError
from arena.train import checkpoint
from arena.train.determinism import Record, deterministic
from arena.train.distributed import Dist, all_finite, all_reduce_sum, barrier, gather, init, shutdown
from arena.train.losses import total_loss
from arena.train.metrics import confusion, scores
from arena.train.schedules import Schedule, schedule_for


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


def run_name(canonical: str, schedule: str, seed: int) -> str:
    """A folder name from the spec: `fanet18[upsampler=gai]` -> `fanet18_upsampler-gai_demo_s3`."""
    safe = re.sub(r"[^A-Za-z0-9.]+", "_", canonical.replace("=", "-")).strip("_")
    return f"{safe}_{schedule}_s{seed}"


def _schedule(cfg: TrainConfig, family: str | None) -> Schedule:
    s = schedule_for(cfg.schedule, family)
    if cfg.iters is not None:
        s = s.rescaled(cfg.iters)
    if cfg.batch is not None:
        if cfg.batch < 1:
            raise ArenaError(f"--batch must be >= 1, got {cfg.batch}")
        s = dataclasses.replace(s, batch=cfg.batch)
    if cfg.crop is not None:
        s = dataclasses.replace(s, crop=tuple(cfg.crop))
    if cfg.clip_grad is not None:
        s = dataclasses.replace(s, clip_grad=cfg.clip_grad)
    if cfg.ohem is False:
        s = dataclasses.replace(s, ohem=None)
    elif cfg.ohem and s.ohem is None:
        s = dataclasses.replace(s, ohem=0.7, ohem_min_kept=s.batch * s.crop[0] * s.crop[1] // 16)
    return s


def param_groups(model, weight_decay: float, decay_all: bool, lr_mult: tuple = (),
                 freeze_trunk_bn_affine: bool = False) -> list[dict]:
    """Weight decay on conv/linear weights only: norm parameters, biases and scalars (1-D) are excluded.

    `lr_mult`: (role or role.block, factor) pairs; a node that matches gets the factor on its learning
    rate (STDC's official x10 on the FFM and the heads), except the parameters a block names in
    `base_lr_params` (the detail loss's fuse kernel: official base LR). `freeze_trunk_bn_affine`: the BN weights and
    biases of the trunk (downsampler and backbone nodes) stay out of the optimizer, as STDC's official
    code leaves its ImageNet backbone's (their running statistics still update).
    """
    import torch

    mults = dict(lr_mult)
    buckets: dict[tuple[float, bool], list] = {}
    plan = getattr(model, "plan", None)
    owners = [(n, model.nodes[n.name]) for n in plan] if plan is not None else [(None, model)]
    for node, module in owners:
        mult = 1.0 if node is None else mults.get(f"{node.role.value}.{node.block}", mults.get(node.role.value, 1.0))
        frozen = set()
        if freeze_trunk_bn_affine and node is not None and node.role.value in ("downsampler", "backbone"):
            frozen = {id(p) for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                      for p in m.parameters(recurse=False)}
        base_lr = {id(getattr(module, name)) for name in getattr(module, "base_lr_params", ())}
        for p in module.parameters():
            if id(p) not in frozen:
                buckets.setdefault((1.0 if id(p) in base_lr else mult, decay_all or p.dim() > 1), []).append(p)
    return [{"params": ps, "weight_decay": weight_decay if decay else 0.0, "lr_mult": mult}
            for (mult, decay), ps in sorted(buckets.items(), key=lambda kv: (kv[0][0], not kv[0][1]))]


def evaluate(model, dataset, classes: int, device, batch: int, d: Dist, names: list[str] | None = None,
             channels_last: bool = False) -> dict[str, Any]:
    """mIoU, per-class IoU and pixel accuracy over `dataset`; the confusion matrix stays on the device."""
    import torch

    was_training = model.training
    model.eval()
    cm = torch.zeros(classes, classes, dtype=torch.long, device=device)
    indices = list(range(d.rank, len(dataset), d.world))  # each rank its share, summed below
    with torch.inference_mode():
        for start in range(0, len(indices), batch):
            items = [dataset[i] for i in indices[start:start + batch]]
            images = torch.stack([x for x, _ in items]).to(device)
            if channels_last:
                images = images.contiguous(memory_format=torch.channels_last)
            labels = torch.stack([y for _, y in items]).to(device)
            cm += confusion(model(images).argmax(1), labels, classes)
    all_reduce_sum(cm, d)
    model.train(was_training)
    return scores(cm, names)


def train(cfg: TrainConfig, on_log: Callable[[dict[str, Any]], None] | None = None) -> Run:
    """Train one network under one schedule and seed; returns the run (its row, for the caller to append)."""
    with deterministic(cfg.deterministic) as record:
        d = init(cfg.device)
        try:
            return _train(cfg, on_log, d, record)
        finally:
            shutdown(d)


def _train(cfg: TrainConfig, on_log, d: Dist, record: Record) -> Run:
    import torch

    from arena import atomic, env, results
    from arena.checks import writable_folder
    from arena.api import build
    from arena.data import loader, open_dataset
    from arena.networks import family_of

    # -- where, and how fast ------------------------------------------------------------------------
    cuda = cfg.device.startswith("cuda")
    resumed = checkpoint.load(cfg.resume) if cfg.resume else None
    if resumed:  # before anything else: a resume that cannot fit says so first
        checkpoint.check_resumable(resumed, cfg.resume, cfg.record(), d.world)
    if cuda and not torch.cuda.is_available():
        raise ArenaError(f"--device {cfg.device}: torch.cuda.is_available() is False; use --device cpu")
    device = torch.device(d.device if d.active else cfg.device)
    amp = cuda if cfg.amp is None else cfg.amp
    if amp and not cuda:
        raise ArenaError("--amp needs --device cuda (mixed precision with a grad scaler is a GPU mode)")
    channels_last = cuda if cfg.channels_last is None else cfg.channels_last
    threads = cfg.threads or torch.get_num_threads()
    torch.set_num_threads(threads)

    # -- the network: each node initialised from (seed, node name), so a hybrid shares its base's weights
    torch.manual_seed(cfg.seed)  # the stream dropout and other training-time draws start from
    net = build(cfg.spec, list(cfg.swaps) or None, seed=cfg.seed)
    family = family_of(net.resolved.entry)
    sched = _schedule(cfg, family.name if family else None)
    name = cfg.name or run_name(net.canonical, sched.name, cfg.seed)
    out = writable_folder(cfg.out, "results", create=False)  # made with the run folder, once the run can start
    folder = out / "runs" / name
    if not cfg.resume:
        writable_folder(folder, "the run", create=False)  # DIR/runs a file, say: refused before any work

    # -- data ---------------------------------------------------------------------------------------
    train_set, data_desc = open_dataset(cfg.data, "train", crop=sched.crop, seed=cfg.seed, scale=sched.scale)
    is_synthetic = data_desc["name"] == "synthetic"
    val_set, val_desc = open_dataset(cfg.data, "val", crop=sched.crop, seed=cfg.seed,
                                     length=sched.val_images if is_synthetic else None)
    classes = data_desc["classes"]
    if net.classes != classes:
        raise ArenaError(f"{net.canonical} predicts {net.classes} classes but {data_desc['name']} has {classes}: "
                         f"train {net.resolved.base}[classes={classes}]")
    net.check_resolution(*sched.crop)

    # -- weights: a user's backbone, then the device ------------------------------------------------
    pretrained = None
    if cfg.pretrained:
        from arena.train.pretrained import load_backbone

        pretrained = load_backbone(net, cfg.pretrained)
    model = net.to(device, memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    model.train()
    trained = model
    if d.active:
        from torch.nn.parallel import DistributedDataParallel

        trained = DistributedDataParallel(model, device_ids=[device.index] if cuda else None)

    # -- optimiser, scaler, and where to start --------------------------------------------------------
    optimizer = torch.optim.SGD(param_groups(model, sched.weight_decay, sched.decay_norms_and_biases, sched.lr_mult,
                                             sched.freeze_trunk_bn_affine),
                                lr=sched.lr_at(0), momentum=sched.momentum)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    start, curve = 0, {"loss": [], "val": []}
    setting = checkpoint.setting_of(cfg.record(), d.world)
    if resumed:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        scaler.load_state_dict(resumed["scaler"])
        checkpoint.set_rng_state(checkpoint.rank_rng(resumed, d.rank))
        start, curve = resumed["iteration"], resumed["curve"]
        folder = Path(cfg.resume)

    def save(iteration: int, path_name: str = checkpoint.LAST) -> Path | None:
        """Every rank's RNG gathered (all ranks call this); rank 0 writes."""
        rngs = gather(checkpoint.rng_state(), d)
        if not d.main:
            return None
        return checkpoint.save(folder / path_name, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
            "iteration": iteration, "rng": {"ranks": rngs}, "curve": curve, "config": cfg.record(),
            "setting": setting, "schedule": sched.record(), "spec": net.canonical})

    if d.main:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps({"config": cfg.record(), "schedule": sched.record(),
                                                        "data": data_desc, "spec": net.canonical}, indent=2,
                                                       default=str))

    # -- the loop -------------------------------------------------------------------------------------
    per_step = sched.batch * d.world
    batches = loader(train_set, sched.batch, cfg.seed, cfg.workers, str(device), samples=sched.iters * per_step,
                     start=start * per_step, rank=d.rank, world=d.world)
    it, wait, began = start, 0.0, time.perf_counter()
    fetched = time.perf_counter()
    for images, labels in batches:
        wait += time.perf_counter() - fetched
        lr = sched.lr_at(it)
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("lr_mult", 1.0)
        images = images.to(device, non_blocking=True)
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        labels = labels.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
            output = trained(images)
        loss, parts = total_loss(output, labels, sched.ohem, sched.ohem_min_kept)
        if not all_finite(loss, d):  # the guard, on every rank at once: weights are still the last good ones
            saved = save(it)
            value = loss.item() if not torch.isfinite(loss).all() else "not finite on another rank"
            raise TrainingDiverged(f"the loss is {value} at iteration {it} of {net.canonical}: training "
                                   f"stopped; the last good state is saved in {saved or folder} (lower the learning "
                                   "rate, or add --clip-grad)")
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if sched.clip_grad:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), sched.clip_grad)
        scaler.step(optimizer)
        scaler.update()
        it += 1
        if it % sched.log_every == 0 or it == sched.iters:
            elapsed = time.perf_counter() - began
            entry = {"iter": it, "loss": loss.item(), "lr": lr, **{k: v.item() for k, v in parts.items()}}
            curve["loss"].append(entry)
            if on_log and d.main:
                on_log({**entry, "iters": sched.iters, "images_per_s": (it - start) * per_step / max(elapsed, 1e-9),
                        "elapsed_s": elapsed})
        if sched.eval_every and it % sched.eval_every == 0 and it < sched.iters:
            val = evaluate(model, val_set, classes, device, sched.batch, d, data_desc.get("class_names"), channels_last)
            curve["val"].append({"iter": it, "miou": val["miou"], "pixel_acc": val["pixel_acc"]})
            if on_log and d.main:
                on_log({"iter": it, "iters": sched.iters, "val_miou": val["miou"]})
        if sched.ckpt_every and it % sched.ckpt_every == 0 and it < sched.iters:
            save(it)
        if it >= sched.iters:
            break
        fetched = time.perf_counter()
    wall = time.perf_counter() - began

    # -- the end: evaluate, save, one row --------------------------------------------------------------
    val = evaluate(model, val_set, classes, device, sched.batch, d, data_desc.get("class_names"), channels_last)
    curve["val"].append({"iter": it, "miou": val["miou"], "pixel_acc": val["pixel_acc"]})
    save(it)
    barrier(d)
    images_seen = (it - start) * per_step
    metrics = {"miou": val["miou"], "pixel_acc": val["pixel_acc"], "iou": val["iou"], "val_pixels": val["pixels"],
               "final_loss": curve["loss"][-1]["loss"] if curve["loss"] else None, "curve": curve,
               "iterations": it, "resumed_from": start if cfg.resume else None, "wall_s": wall,
               "images_per_s": images_seen / max(wall, 1e-9), "data_wait_fraction": wait / max(wall, 1e-9),
               "pretrained": pretrained, "run_dir": str(folder)}
    protocol = {"schedule": sched.record(), "device": str(device), "amp": amp, "channels_last": channels_last,
                "threads": threads, "world": d.world, "workers": cfg.workers, "batch_per_rank": sched.batch,
                "crop": list(sched.crop), "data": data_desc, "val": val_desc, "optimizer": "SGD momentum, poly LR "
                "with linear warm-up; no weight decay on norms, biases and scalars unless the schedule says so",
                "bn": "plain BatchNorm per process (no SyncBN)" if d.active else "BatchNorm",
                "deterministic": cfg.deterministic}
    if d.active:
        protocol["backend"] = d.backend
    if cfg.deterministic:
        protocol["nondeterministic_ops"] = record.ops  # kernels PyTorch has no deterministic version of
    row = results.make_row("train", net.resolved.row_fields(), metrics, protocol=protocol,
                           dataset=data_desc["name"], schedule=sched.name, seed=cfg.seed,
                           environment_=env.fingerprint(str(device), threads))
    if d.main:
        atomic.write_json(folder / "row.json", row)
    return Run(row, folder, metrics, main=d.main)
