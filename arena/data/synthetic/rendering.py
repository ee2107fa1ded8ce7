"""Scene (seed, index, split) at (H, W): the layout's random draws, then the drawing, in one pure function."""
from __future__ import annotations

import numpy as np

from arena.data.synthetic.background import draw_backdrop, draw_ground, draw_side
from arena.data.synthetic.canvas import Canvas, Projector
from arena.data.synthetic.config import SynthConfig
from arena.data.synthetic.draw_objects import draw_object
from arena.data.synthetic.photometric import finish
from arena.data.synthetic.scene import Scene
from arena.data.synthetic.street_layout import layout
from arena.errors import ArenaError

SPLITS = {"train": 0, "val": 1, "test": 2}   # each split is its own stream of scenes


def draw(s: Scene, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A laid-out scene at (H, W): (image HxWx3 uint8 RGB, label HxW uint8 trainIds).

    Back to front: the backdrop, the ground, the side planes, then the objects far to near, so
    nearer things occlude farther ones.
    """
    h, w = size
    p = Projector(s.camera, h, w)
    cv = Canvas(h, w, s.colours.sky)
    shade = np.ones((h, w), np.float32)
    draw_backdrop(cv, s, p)
    draw_ground(cv, s, p, shade)
    draw_side(cv, s, p, -1, shade)
    draw_side(cv, s, p, 1, shade)
    for o in sorted(s.objects, key=lambda o: -o.z):
        draw_object(cv, o, p, s.colours)
    return finish(cv, shade, s.light, p.yh), cv.lab


def render(seed: int, index: int, size: tuple[int, int], config: SynthConfig | None = None,
           split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Scene `index` of `seed` at `size` = (H, W): (image HxWx3 uint8 RGB, label HxW uint8 trainIds).

    A pure function of (seed, index, split, config): the same arguments give the same pixels, in any
    process. `split` selects an independent stream of scenes (train, val, test).
    """
    h, w = check_size(size)
    cfg = config or SynthConfig()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(index), SPLITS[split]]))
    return draw(layout(rng, cfg), (h, w))


def check_size(size) -> tuple[int, int]:
    """(H, W) as two ints, refused in one line when it is not two integers of at least 8."""
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ArenaError(f"size {size!r} is not (H, W): pass two positive integers, like (256, 512)") from None
    if h < 8 or w < 8:
        raise ArenaError(f"size {h}x{w} is too small for a street scene: use at least 8x8 (like 256x512)")
    return h, w
