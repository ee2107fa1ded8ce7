"""One bank of noise textures, built once per process from a fixed seed, and windows into it.

Drawing a texture per scene would cost more than the scene; a window at a per-scene random offset
into one large bank gives every scene its own texture for the price of a slice.
"""
from __future__ import annotations

import numpy as np

_BANK: dict[str, np.ndarray] = {}


def bank() -> dict[str, np.ndarray]:
    """{"fine": HxW grain, "blot": HxW blotches at three scales, "line": one row of blot, "fine3": 3xHxW grain}."""
    if not _BANK:
        import torch
        import torch.nn.functional as F

        rng = np.random.default_rng(0x5EED)
        h, w = 768, 1536
        fine = rng.standard_normal((h, w), dtype=np.float32)
        blot = np.zeros((h, w), np.float32)
        for cells, weight in ((12, 0.35), (48, 0.4), (192, 0.25)):
            grid = torch.from_numpy(rng.standard_normal((1, 1, cells, 2 * cells), dtype=np.float32))
            blot += weight * F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False)[0, 0].numpy()
        blot /= blot.std()
        fine3 = rng.standard_normal((3, h, w), dtype=np.float32)
        _BANK.update(fine=fine, blot=blot, line=blot[h // 2].copy(), fine3=fine3)
    return _BANK


def patch(texture: np.ndarray, fy: float, fx: float, h: int, w: int) -> np.ndarray:
    """An h x w window of a texture (its last two axes) at fractional offset (fy, fx): a view when it
    fits, else a wrapped copy."""
    bh, bw = texture.shape[-2:]
    if h <= bh and w <= bw:
        y0, x0 = int(fy * (bh - h)), int(fx * (bw - w))
        return texture[..., y0:y0 + h, x0:x0 + w]
    rows = (int(fy * bh) + np.arange(h)) % bh
    cols = (int(fx * bw) + np.arange(w)) % bw
    return texture[..., rows, :][..., cols]
