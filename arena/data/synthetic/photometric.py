"""From a drawn canvas to the camera's picture: lighting, texture, blur and sensor noise.

Everything here changes pixels, never labels: the label map is final once the geometry is drawn.
"""
from __future__ import annotations

import threading

import numpy as np

from arena.data.synthetic.canvas import Canvas
from arena.data.synthetic.classes import SKY
from arena.data.synthetic.scene import Lighting
from arena.data.synthetic.textures import bank, patch


def blur(img: np.ndarray, amount: float) -> None:
    """Mix `amount` of a centred 3x3 box average into `img` (CxHxW float32), in place: a cheap
    per-scene defocus that keeps the picture on its labels.

    The box is centred on each pixel, so nothing moves (a one-sided 2x2 box, generator version 1,
    shifted the image up-left by up to half a pixel against its labels). At the border the image is
    continued as its mirror about its edge (scipy's `reflect`), so a flat border stays flat, the
    total brightness is kept and an edge between two pixels keeps its half-way crossing where it
    was, next to the border too.
    """
    box = box3(img)
    box *= amount
    img *= 1 - amount
    img += box


def box3(img: np.ndarray) -> np.ndarray:
    """The centred 3x3 box average of `img` (CxHxW float32), mirrored at the border.

    The same numbers as `scipy.ndimage.uniform_filter(img, (1, 3, 3), mode="reflect")`, which
    generator v2 drew with (tests/data/test_blur.py holds them equal): rows first, then columns,
    each 3-sum taken in float64 and its mean rounded to float32 between the passes. Written out
    as shifted slices because scipy walks the row pass one strided line at a time, which made the
    blur a third of a scene's time; the float64 buffers are kept per thread and size, since
    fresh ones cost more in first-touch page faults than the sums themselves.
    """
    c, h, w = img.shape
    rows, cols, sums = _scratch(c, h, w)
    rows[:, 1:-1] = img                                  # one mirrored row above and below
    rows[:, 0], rows[:, -1] = img[:, 0], img[:, -1]
    mean = sums[..., :w]
    np.add(rows[:, :-2], rows[:, 1:-1], out=mean)
    mean += rows[:, 2:]
    mean /= 3
    cols[..., 1:-1] = mean.astype(np.float32)            # the rows' float32 means, mirrored one column each side
    cols[..., 0], cols[..., -1] = cols[..., 1], cols[..., -2]
    flat, out = cols.reshape(-1), sums.reshape(-1)[:-2]  # (C*H*(W+2),): one contiguous run; each row's
    np.add(flat[:-2], flat[1:-1], out=out)               # mirrored columns keep its 3-sums apart from
    out += flat[2:]                                      # its neighbours', so sums[..., j] is column j's
    out /= 3
    return sums[..., :w].astype(np.float32)


_SCRATCH = threading.local()


def _scratch(c: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This thread's float64 buffers for `box3` at one size: C x (H+2) x W, and twice C x H x (W+2)."""
    if getattr(_SCRATCH, "shape", None) != (c, h, w):
        _SCRATCH.shape = (c, h, w)
        _SCRATCH.buffers = (np.empty((c, h + 2, w)), np.empty((c, h, w + 2)), np.empty((c, h, w + 2)))
    return _SCRATCH.buffers


def finish(cv: Canvas, shade: np.ndarray, light: Lighting, horizon: float) -> np.ndarray:
    """The image (HxWx3 uint8 RGB) of a drawn canvas under `light`; `shade` (HxW, cast shadows)
    is multiplied by the textures in place.

    The image is computed channel by channel and returned as an HxWx3 view of a 3xHxW array
    (`to_tensor` turns it into a tensor without a copy of the layout).
    """
    h, w = cv.h, cv.w
    textures, off = bank(), light.offsets
    pal = np.clip(cv.palette(), 0, 255) * (light.gain * light.tint)
    img = np.take(np.ascontiguousarray(pal.T, dtype=np.float32), cv.cid, axis=1)      # 3 x H x W
    # sky brightens towards the horizon; a shared blotchy texture and fine grain on every surface
    horizon_rows = int(min(h, max(0, horizon)))
    if horizon_rows:
        ramp = 0.85 + 0.25 * (np.arange(horizon_rows, dtype=np.float32) / max(horizon_rows, 1))[:, None]
        top = shade[:horizon_rows]
        np.copyto(top, top * ramp, where=cv.lab[:horizon_rows] == SKY)
    tex = patch(textures["blot"], off[0], off[1], h, w) * np.float32(light.texture)
    tex += patch(textures["fine"], off[2], off[3], h, w) * np.float32(light.grain)
    tex += 1
    shade *= tex
    img *= shade
    if light.blur > 0.02:
        blur(img, light.blur)
    if light.noise > 0:
        img += patch(textures["fine3"], off[4], off[5], h, w) * np.float32(light.noise)
    np.clip(img, 0, 255, out=img)
    return img.astype(np.uint8).transpose(1, 2, 0)
