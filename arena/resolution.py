"""`HxW` text as (height, width): the one parser of every --res, --crop and study resolution."""
from __future__ import annotations

from arena.errors import ArenaError


def parse_res(text: str) -> tuple[int, int]:
    """`512x1024` -> (512, 1024): height then width; one ArenaError line for anything else."""
    try:
        h, w = (int(v) for v in str(text).lower().replace("*", "x").split("x"))
    except ValueError:
        raise ArenaError(f"resolution {text!r} is not HxW: write it like 512x1024 (height x width)") from None
    if h <= 0 or w <= 0:
        raise ArenaError(f"resolution {text!r} must be positive on both sides, like 512x1024")
    return h, w
