"""From a drawn canvas to the camera's picture: lighting, texture, blur and sensor noise.

Everything here changes pixels, never labels: the label map is final once the geometry is drawn.
"""
from __future__ import annotations

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
    from scipy.ndimage import uniform_filter

    box = uniform_filter(img, size=(1, 3, 3), mode="reflect")    # C x H x W, each channel on its own
    box *= amount
    img *= 1 - amount
    img += box


def finish(cv: Canvas, shade: np.ndarray, light: Lighting, horizon: float) -> np.ndarray:
    """The image (HxWx3 uint8 RGB) of a drawn canvas under `light`; `shade` (HxW, cast shadows)
    is multiplied by the textures in place.

    The image is computed channel by channel and returned as an HxWx3 view of a 3xHxW array
    (`to_tensor` turns it into a tensor without a copy of the layout).
    """
    h, w = cv.h, cv.w
    textures, off = bank(), light.offsets
    pal = np.clip(np.stack(cv.colours), 0, 255) * (light.gain * light.tint)
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
