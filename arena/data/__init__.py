"""Datasets for training and evaluation: synthetic street scenes (the default), Cityscapes, CamVid.

The front door for the training loop (docs/data.md):

    dataset, desc = open_dataset("synthetic", "train", crop=(256, 512), seed=3)
    batches = loader(dataset, batch=8, seed=3, workers=2, device="cuda", samples=iters * 8)
    for images, labels in batches:       # float32 Bx3xHxW (ImageNet-normalised), int64 BxHxW (255 ignore)
        ...

`desc` is a plain dict for result rows (name, root, split, classes, class_names, ignore_index, size,
resolution, crop, seed, config). Every item is a pair of tensors: the image normalised with the
ImageNet mean and std, the label of class indices with 255 as ignore. This package never imports
`arena.train`, typer or rich.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from arena.data.labels import CAMVID_CLASSES, CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, IGNORE, colorize
from arena.data.sampler import SeededSampler, sample_seed, seed_worker
from arena.data.synthetic import SynthConfig, SyntheticScenes, parse_knobs, render
from arena.data.transforms import MEAN, STD, TrainTransform, ValTransform
from arena.errors import ArenaError

SPEC_FORMS = "synthetic, synthetic:KNOB=V,... (knobs: texture_overlap, noise, blur, clutter, lighting), cityscapes:PATH or camvid:PATH"
SYNTHETIC_TRAIN_LENGTH = 10**9   # "every sample fresh": a run never reads a scene twice
SYNTHETIC_VAL_LENGTH = 500
SYNTHETIC_VAL_SEED = 0           # one validation set for every run, whatever its seed

__all__ = ["open_dataset", "open_folder", "loader", "parse_spec", "SeededSampler", "sample_seed", "SynthConfig", "SyntheticScenes",
           "TrainTransform", "ValTransform", "render", "MEAN", "STD", "IGNORE", "CITYSCAPES_CLASSES",
           "CAMVID_CLASSES", "CITYSCAPES_PALETTE", "colorize", "SPEC_FORMS"]


def parse_spec(spec: str) -> tuple[str, str | None]:
    """`synthetic[:knobs]`, `cityscapes:PATH`, `camvid:PATH` -> (name, argument or None)."""
    name, sep, arg = str(spec).partition(":")
    name = name.strip().lower()
    if name == "synthetic":
        return name, arg.strip() or None
    if name in ("cityscapes", "camvid"):
        if not arg.strip():
            raise ArenaError(f"dataset {spec!r} needs its folder: write {name}:PATH")
        return name, arg.strip()
    raise ArenaError(f"unknown dataset {spec!r}: use {SPEC_FORMS}")


def open_dataset(spec: str, split: str = "train", *, crop: tuple[int, int] = (512, 1024), seed: int = 0,
                 length: int | None = None, val_size: tuple[int, int] | None = None,
                 scale: tuple[float, float] = (0.5, 2.0), flip: bool = True, jitter: float = 0.25,
                 pad: bool = True, config: SynthConfig | None = None) -> tuple[Any, dict[str, Any]]:
    """A Dataset of (image float32 3xHxW, label int64 HxW) and its description for result rows.

    spec: `synthetic` (knobs may follow: `synthetic:noise=0.08,clutter=2`, or pass `config`),
        `cityscapes:PATH` or `camvid:PATH`.
    split: train (random scale/crop/flip/jitter for real data; scenes of `seed` for synthetic), val or test
        (normalisation and an optional resize to `val_size`; synthetic val/test scenes are rendered at
        `val_size` or `crop` from the fixed seed SYNTHETIC_VAL_SEED, the same set for every run).
    crop: (H, W) of training samples (synthetic: the resolution scenes are rendered at).
    seed: synthetic train scenes are scenes (seed, 0..); for real data, the seed of per-item augmentation
        when items are read by index (a `SeededSampler` gives each position its own seed instead).
    length: synthetic only: the number of scenes (train default 10**9, val/test 500).
    scale, flip, jitter, pad: the train pipeline of real datasets (`TrainTransform`; pad=False refuses a
        crop larger than the images, up front, naming the first file).
    """
    name, arg = parse_spec(spec)
    if split not in ("train", "val", "test"):
        raise ArenaError(f"split {split!r} is not one of train, val, test")
    crop = TrainTransform(crop).crop if crop is not None else None
    desc: dict[str, Any] = {"name": name, "root": None, "split": split, "ignore_index": IGNORE, "seed": int(seed),
                            "crop": list(crop) if crop else None}
    if name == "synthetic":
        if config is not None and arg:
            raise ArenaError(f"dataset {spec!r} gives knobs and config= gives more: pass one of them")
        cfg = config or parse_knobs(arg)
        if split == "train":
            if crop is None:
                raise ArenaError("synthetic training needs a crop (H, W): the resolution scenes are rendered at")
            ds = SyntheticScenes(length or SYNTHETIC_TRAIN_LENGTH, crop, seed, "train", cfg)
        else:
            size = tuple(val_size or crop or (512, 1024))
            ds = SyntheticScenes(length or SYNTHETIC_VAL_LENGTH, size, SYNTHETIC_VAL_SEED, split, cfg)
        desc.update(classes=len(CITYSCAPES_CLASSES), class_names=list(CITYSCAPES_CLASSES), size=len(ds),
                    resolution=list(ds.size), scene_seed=ds.seed, config=cfg.asdict(), fresh=True)
        return ds, desc

    if length is not None:
        raise ArenaError(f"length= is for the synthetic dataset; {name} has the images its folder holds")
    if name == "cityscapes":
        from arena.data.cityscapes import CityscapesDataset as cls
    else:
        from arena.data.camvid import CamVidDataset as cls
    if split == "train":
        transform = TrainTransform(crop, scale=scale, flip=flip, jitter=jitter, pad=pad)
    else:
        transform = ValTransform(val_size)
    ds = cls(Path(arg), split, transform, seed)
    resolution = ds.first_size()
    if split == "train":
        transform.check(resolution, str(ds.pairs[0][0]))
    desc.update(root=str(Path(arg).resolve()), classes=len(ds.classes), class_names=list(ds.classes), size=len(ds),
                resolution=list(resolution), config=transform.asdict(), fresh=False)
    if name == "camvid":
        desc["variant"] = f"{resolution[0]}x{resolution[1]}"
    return ds, desc


def open_folder(spec: str, split: str):
    """A real dataset (`cityscapes:PATH`, `camvid:PATH`) read without augmentation (native size):
    for looking at it, or evaluating at full resolution. `.read(i)` gives the raw uint8 arrays."""
    name, arg = parse_spec(spec)
    if name == "synthetic":
        raise ArenaError("open_folder reads cityscapes:PATH or camvid:PATH; synthetic scenes come from open_dataset")
    if name == "cityscapes":
        from arena.data.cityscapes import CityscapesDataset as cls
    else:
        from arena.data.camvid import CamVidDataset as cls
    return cls(Path(arg), split, ValTransform())


def loader(dataset, batch: int, seed: int, workers: int = 0, device: str = "cpu", *, shuffle: bool | None = None,
           samples: int | None = None, start: int = 0, rank: int = 0, world: int = 1, drop_last: bool = True,
           prefetch: int = 2):
    """A DataLoader over `dataset` in the seeded order of `SeededSampler` (see arena.data.sampler).

    batch: samples per step on this process. seed: the data order and every sample's augmentation.
    workers: DataLoader worker processes (0: in the main process), each seeded and single-threaded.
    device: "cuda..." pins host memory for fast copies; anything else does not.
    shuffle: None uses the dataset's default (real datasets shuffle; synthetic scenes are read in order).
    samples: positions in the stream across all ranks (default: one epoch); start: where to begin (resume).
    rank, world: DDP sharding (see SeededSampler). drop_last: only full batches (training).
    """
    import torch
    from torch.utils.data import DataLoader

    batch = _positive(batch, "batch")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ArenaError(f"workers must be an integer >= 0, got {workers!r}")
    if shuffle is None:
        shuffle = getattr(dataset, "shuffle_default", True)
    sampler = SeededSampler(len(dataset), seed, shuffle=shuffle, samples=samples, start=start, rank=rank, world=world)
    try:
        on_cuda = torch.device(device).type == "cuda"
    except (RuntimeError, TypeError):
        raise ArenaError(f"device {device!r} is not a torch device (cpu, cuda, cuda:1, ...)") from None
    return DataLoader(dataset, batch_size=batch, sampler=sampler, num_workers=workers,
                      pin_memory=on_cuda and torch.cuda.is_available(), drop_last=drop_last,
                      worker_init_fn=seed_worker if workers else None,
                      generator=torch.Generator().manual_seed(int(seed) & 0x7FFF_FFFF_FFFF_FFFF),
                      persistent_workers=workers > 0, prefetch_factor=prefetch if workers else None)


def _positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ArenaError(f"{what} must be an integer >= 1, got {value!r}")
    return value
