"""PNG reading and writing (PIL, which matplotlib already depends on), sizes, and output folders."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from arena.errors import ArenaError
from arena.resolution import parse_res  # noqa: F401  (arena data's --res)


def read_image(path: str | Path) -> np.ndarray:
    """An image file as HxWx3 uint8 RGB."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.array(im.convert("RGB"))
    except (OSError, ValueError) as e:
        raise ArenaError(f"cannot read image {path}: {e} (is it a PNG or JPEG image?)") from None


def read_label(path: str | Path) -> np.ndarray:
    """A label PNG as an HxW integer array of class values (8- or 16-bit greyscale or palette indices)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.mode in ("RGB", "RGBA"):
                raise ArenaError(f"label {path} is a colour ({im.mode}) image: expected one channel of class "
                                 "values (a greyscale or palette PNG)")
            return np.array(im)
    except OSError as e:
        raise ArenaError(f"cannot read label {path}: {e} (is it a PNG?)") from None


def write_png(path: str | Path, array: np.ndarray) -> None:
    """HxW (greyscale) or HxWx3 (RGB) uint8 to a PNG."""
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8)).save(path, format="PNG", compress_level=1)


def writable_folder(path: str | Path) -> Path:
    """An output folder, created if missing; refused up front (before any work) when unusable."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ArenaError(f"cannot write to {path}: it is a file, not a folder (pass a folder with --out)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ArenaError(f"cannot create the folder {path}: {e.strerror or e} (pass a writable folder with --out)") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ArenaError(f"cannot write to {path}: permission denied (pass a writable folder with --out)")
    return path


def writable_file(path: str | Path, suffix: str = ".png") -> Path:
    """An output file whose folder exists (or is created) and is writable; refused up front otherwise."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise ArenaError(f"output {path} must end in {suffix} (pass --out NAME{suffix})")
    if path.is_dir():
        raise ArenaError(f"cannot write {path}: it is a folder (pass a file name ending in {suffix})")
    writable_folder(path.parent if str(path.parent) else Path("."))
    return path
