"""Train and val pipelines on (image HxWx3 uint8, label HxW int) pairs -> (float32 3xhxw, int64 hxw).

Images are normalised with the ImageNet mean and std (`MEAN`, `STD`, on 0..1 RGB): the convention of
every ImageNet-pretrained backbone. Labels are resized with nearest, always (never interpolated).

Train (`TrainTransform`), in this order: random scale s in `scale`; a random crop of `crop` = (h, w)
in the scaled image; horizontal flip with probability 1/2; photometric jitter (brightness, contrast,
saturation, each a factor in [1 - jitter, 1 + jitter]); normalisation; padding. Only the crop is
ever computed (bilinear `grid_sample` for the image, an index gather for the label), so a scale of 2
on a 1024x2048 image costs what the crop costs.

Crops larger than the image. With `pad=True` (the default) a scaled image smaller than the crop is
padded at the bottom and right: the image with 0 after normalisation (the mean colour), the label
with 255 (ignore), so padded pixels never count in the loss. With `pad=False` nothing is ever
padded: the scale is raised, per sample, to the least that makes the image cover the crop, and a
crop larger than the unscaled image is refused with an `ArenaError` naming both sizes (and the file).

Determinism: every random draw comes from the `torch.Generator` passed in, seven draws per sample in a
fixed order (scale, crop y, crop x, flip, brightness, contrast, saturation), so one seed gives one crop.
`arena.data.SeededSampler` hands each sample its own seed derived from (run seed, position in the
stream), which makes the crops independent of worker count and order.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from arena.errors import ArenaError

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
IGNORE = 255
_MEAN255 = torch.tensor(MEAN).view(3, 1, 1) * 255
_STD255 = torch.tensor(STD).view(3, 1, 1) * 255


def normalize(image: torch.Tensor) -> torch.Tensor:
    """3xHxW float on 0..255 -> normalised (ImageNet mean/std)."""
    return (image - _MEAN255) / _STD255


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 RGB -> 3xHxW float32, normalised with the ImageNet mean and std.

    No copy of the layout first: an HxWx3 view of a 3xHxW array (what the synthetic generator
    returns) becomes a contiguous 3xHxW tensor by the permute alone."""
    if not image.flags.writeable or any(st < 0 for st in image.strides):
        image = np.array(image)
    x = torch.from_numpy(image).permute(2, 0, 1).to(torch.float32, memory_format=torch.contiguous_format)
    return x.sub_(_MEAN255).div_(_STD255)


def denormalize(image: torch.Tensor) -> np.ndarray:
    """The inverse of `to_tensor`: 3xHxW normalised -> HxWx3 uint8 (for looking at samples)."""
    x = image.detach().cpu().float() * _STD255 + _MEAN255
    return x.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def generator(seed: int) -> torch.Generator:
    """A CPU torch.Generator seeded with `seed` (any int; folded to 63 bits)."""
    return torch.Generator().manual_seed(int(seed) & 0x7FFF_FFFF_FFFF_FFFF)


def _pair(value, what: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ArenaError(f"{what} {value!r} is not (H, W): pass two positive integers, like (512, 1024)") from None
    if h < 1 or w < 1:
        raise ArenaError(f"{what} {h}x{w} must be positive on both sides, like 512x1024")
    return h, w


def _jitter(img: torch.Tensor, b: float, c: float, s: float) -> torch.Tensor:
    """Brightness, contrast, saturation factors on a 3xHxW float image in 0..255."""
    img = img * b
    grey = 0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2]
    mean = grey.mean()
    img = (img - mean) * c + mean
    grey = (grey - mean) * c + mean
    img = grey + (img - grey) * s
    return img.clamp_(0, 255)


@dataclass(frozen=True)
class TrainTransform:
    """Random scale, crop (with ignore padding), flip, jitter, normalisation: see the module docstring."""
    crop: tuple[int, int]
    scale: tuple[float, float] = (0.5, 2.0)
    flip: bool = True
    jitter: float = 0.25
    pad: bool = True

    def __post_init__(self):
        object.__setattr__(self, "crop", _pair(self.crop, "crop"))
        lo, hi = (float(v) for v in self.scale)
        if not 0 < lo <= hi:
            raise ArenaError(f"scale range {self.scale!r} must be 0 < low <= high, like (0.5, 2.0)")
        object.__setattr__(self, "scale", (lo, hi))
        if not 0 <= self.jitter < 1:
            raise ArenaError(f"jitter {self.jitter!r} must be in [0, 1), like 0.25")

    def asdict(self) -> dict[str, Any]:
        return {"kind": "train", **{k: list(v) if isinstance(v, tuple) else v
                                    for k, v in dataclasses.asdict(self).items()}}

    def check(self, size: tuple[int, int], name: str | None = None) -> None:
        """Refuse (one line) a crop larger than an image of `size` when padding is off."""
        (ch, cw), (h, w) = self.crop, size
        if not self.pad and (ch > h or cw > w):
            where = f" of {name}" if name else ""
            raise ArenaError(f"crop {ch}x{cw} is larger than the image {h}x{w}{where}: pass a crop of at most "
                             f"{min(ch, h)}x{min(cw, w)}, or allow padding (pad=True pads with the ignore label)")

    def __call__(self, image: np.ndarray, label: np.ndarray, generator: torch.Generator | None = None,
                 name: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h, w = label.shape[:2]
        ch, cw = self.crop
        self.check((h, w), name)
        r = torch.rand(7, generator=generator, dtype=torch.float64).tolist()
        lo, hi = self.scale
        s = lo + (hi - lo) * r[0]
        if not self.pad:
            s = max(s, ch / h, cw / w)
        sh, sw = max(1, int(round(h * s))), max(1, int(round(w * s)))
        if not self.pad:
            sh, sw = max(sh, ch), max(sw, cw)
        sy, sx = sh / h, sw / w                                   # the exact per-axis factors
        y0 = int(r[1] * (sh - ch + 1)) if sh > ch else 0
        x0 = int(r[2] * (sw - cw + 1)) if sw > cw else 0
        hh, ww = min(ch, sh - y0), min(cw, sw - x0)               # the part of the crop inside the image
        # source coordinates (pixel centres) of the crop's pixels in the unscaled image
        ys = (torch.arange(y0, y0 + hh, dtype=torch.float64) + 0.5) / sy - 0.5
        xs = (torch.arange(x0, x0 + ww, dtype=torch.float64) + 0.5) / sx - 0.5
        # label: nearest, an exact gather
        iy = np.clip(np.floor(ys.numpy() + 0.5).astype(np.int64), 0, h - 1)
        ix = np.clip(np.floor(xs.numpy() + 0.5).astype(np.int64), 0, w - 1)
        lab = torch.from_numpy(np.ascontiguousarray(label[iy[:, None], ix[None, :]]).astype(np.int64))
        # image: bilinear over only the source rows/columns the crop touches
        r0, r1 = max(0, int(math.floor(ys[0].item()))), min(h, int(math.floor(ys[-1].item())) + 2)
        c0, c1 = max(0, int(math.floor(xs[0].item()))), min(w, int(math.floor(xs[-1].item())) + 2)
        patch = torch.from_numpy(np.ascontiguousarray(image[r0:r1, c0:c1])).permute(2, 0, 1).to(torch.float32)
        ph, pw = patch.shape[1:]
        gy = ((ys - r0 + 0.5) / ph * 2 - 1).clamp(-1, 1).to(torch.float32)
        gx = ((xs - c0 + 0.5) / pw * 2 - 1).clamp(-1, 1).to(torch.float32)
        grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1)[None]
        img = F.grid_sample(patch[None], grid, mode="bilinear", padding_mode="border", align_corners=False)[0]
        if self.flip and r[3] < 0.5:
            img, lab = img.flip(-1), lab.flip(-1)
        if self.jitter > 0:
            j = self.jitter
            img = _jitter(img, 1 - j + 2 * j * r[4], 1 - j + 2 * j * r[5], 1 - j + 2 * j * r[6])
        img = normalize(img)
        if hh < ch or ww < cw:
            img = F.pad(img, (0, cw - ww, 0, ch - hh), value=0.0)
            lab = F.pad(lab, (0, cw - ww, 0, ch - hh), value=IGNORE)
        return img.contiguous(), lab.contiguous()


@dataclass(frozen=True)
class ValTransform:
    """Normalisation, and a resize to `size` = (h, w) when given (image bilinear with antialiasing,
    label nearest). `size=None` keeps the native resolution (evaluate at full label resolution)."""
    size: tuple[int, int] | None = None

    def __post_init__(self):
        if self.size is not None:
            object.__setattr__(self, "size", _pair(self.size, "size"))

    def asdict(self) -> dict[str, Any]:
        return {"kind": "val", "size": list(self.size) if self.size else None}

    def __call__(self, image: np.ndarray, label: np.ndarray, generator: torch.Generator | None = None,
                 name: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        img = to_tensor(image)
        if self.size is None or tuple(label.shape[:2]) == self.size:
            return img, torch.from_numpy(np.ascontiguousarray(label).astype(np.int64))
        (h, w), (th, tw) = label.shape[:2], self.size
        img = F.interpolate(img[None], size=(th, tw), mode="bilinear", align_corners=False, antialias=True)[0]
        iy = np.minimum(((np.arange(th) + 0.5) * h / th).astype(np.int64), h - 1)
        ix = np.minimum(((np.arange(tw) + 0.5) * w / tw).astype(np.int64), w - 1)
        return img, torch.from_numpy(np.ascontiguousarray(label[iy[:, None], ix[None, :]]).astype(np.int64))
