"""PNG reading and writing (PIL, which matplotlib already depends on)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from arena.errors import ArenaError


def read_image(path: str | Path) -> np.ndarray:
    """An image file as HxWx3 uint8 RGB."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.array(im.convert("RGB"))
    except Exception as e:  # noqa: BLE001 - PIL raises OSError, ValueError, SyntaxError, zlib.error on damage
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ArenaError(f"cannot read image {path}: {first} (is it a PNG or JPEG image, whole?)") from None


def read_label(path: str | Path) -> np.ndarray:
    """A label PNG as an HxW integer array of class values (8- or 16-bit greyscale or palette indices)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            if im.mode in ("RGB", "RGBA"):
                raise ArenaError(f"label {path} is a colour ({im.mode}) image: expected one channel of class "
                                 "values (a greyscale or palette PNG)")
            return np.array(im)
    except ArenaError:
        raise
    except Exception as e:  # noqa: BLE001 - PIL raises OSError, ValueError, SyntaxError, zlib.error on damage
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ArenaError(f"cannot read label {path}: {first} (is it a PNG, whole?)") from None


def write_png(path: str | Path, array: np.ndarray) -> None:
    """HxW (greyscale) or HxWx3 (RGB) uint8 to a PNG."""
    from PIL import Image

    from arena.errors import WriteFailed

    try:
        Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8)).save(path, format="PNG", compress_level=1)
    except OSError as e:
        raise WriteFailed(f"cannot write {path}: {e.strerror or e} (free some space, or write elsewhere with "
                          "--out)") from None
