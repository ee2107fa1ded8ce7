"""What a training run stands on, made before the loop: the device and its modes, the schedule as
the command changed it, the data and its checks, the optimiser's parameter groups, evaluation.

Split from the loop so that arena/train/loop.py reads as the loop: each function here is one step
of the set-up, in the order `_train` calls them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from arena.errors import ArenaError
from arena.train.distributed import Dist, all_reduce_sum
from arena.train.metrics import confusion, scores
from arena.train.schedules import Schedule, schedule_for


@dataclass(frozen=True)
class Placement:
    """Where the run computes and in which modes (resolved from the config's None = default)."""

    device: Any  # torch.device
    cuda: bool
    amp: bool
    channels_last: bool
    threads: int


def place(cfg, d: Dist) -> Placement:
    """The device, AMP, channels_last and CPU threads; one line for a mode the device lacks."""
    import torch

    cuda = cfg.device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        raise ArenaError(f"--device {cfg.device}: torch.cuda.is_available() is False; use --device cpu")
    amp = cuda if cfg.amp is None else cfg.amp
    if amp and not cuda:
        raise ArenaError("--amp needs --device cuda (mixed precision with a grad scaler is a GPU mode)")
    from arena.checks import threads as check_threads

    threads = check_threads(cfg.threads) or torch.get_num_threads()
    if cfg.clip_grad is not None and not cfg.clip_grad > 0:
        raise ArenaError(f"clip_grad must be a positive gradient norm, got {cfg.clip_grad!r} (None: no clipping)")
    torch.set_num_threads(threads)
    return Placement(torch.device(d.device if d.active else cfg.device), cuda, amp,
                     cuda if cfg.channels_last is None else cfg.channels_last, threads)


def schedule_of(cfg, family: str | None) -> Schedule:
    """The named schedule with the command's changes (iterations, batch, crop, clipping, OHEM)."""
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


def open_data(cfg, sched: Schedule, net):
    """(train set, its record, val set, its record), the network's classes and crop checked against them."""
    from arena.data import open_dataset

    train_set, data_desc = open_dataset(cfg.data, "train", crop=sched.crop, seed=cfg.seed, scale=sched.scale)
    is_synthetic = data_desc["name"] == "synthetic"
    val_set, val_desc = open_dataset(cfg.data, "val", crop=sched.crop, seed=cfg.seed,
                                     length=sched.val_images if is_synthetic else None)
    classes = data_desc["classes"]
    if net.classes != classes:
        raise ArenaError(f"{net.canonical} predicts {net.classes} classes but {data_desc['name']} has {classes}: "
                         f"train {net.resolved.base}[classes={classes}]")
    net.check_resolution(*sched.crop)
    return train_set, data_desc, val_set, val_desc


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


def optimiser(model, sched: Schedule):
    """SGD with momentum, or AdamW (the attention-era recipes), over `param_groups` (the learning rate is
    set per step by the loop)."""
    import torch

    groups = param_groups(model, sched.weight_decay, sched.decay_norms_and_biases, sched.lr_mult,
                          sched.freeze_trunk_bn_affine)
    if sched.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=sched.lr_at(0), betas=tuple(sched.betas))
    return torch.optim.SGD(groups, lr=sched.lr_at(0), momentum=sched.momentum)


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
