"""The colour families objects and surfaces draw from, and the small draws made from them.

Colours are float RGB in 0..255 with a jitter that may leave the range: the drawing clips the
palette once, when the image is gathered.
"""
from __future__ import annotations

from typing import Any

import numpy as np

FACADES = np.array([(196, 180, 150), (170, 160, 150), (150, 90, 70), (215, 210, 200), (120, 115, 110),
                    (180, 150, 110), (140, 130, 125), (200, 170, 140), (95, 90, 90), (160, 110, 90)], np.float32)
CONCRETE = np.array([(150, 150, 145), (125, 125, 130), (175, 170, 160), (110, 105, 100)], np.float32)
VEHICLES = np.array([(30, 30, 32), (200, 200, 205), (120, 122, 128), (150, 20, 25), (25, 45, 110), (60, 70, 60),
                     (230, 230, 225), (90, 60, 40), (180, 160, 40), (70, 80, 95), (15, 15, 18), (140, 140, 145)],
                    np.float32)
CLOTHES = np.array([(30, 30, 35), (60, 60, 70), (20, 40, 90), (120, 30, 30), (200, 200, 195), (90, 80, 60),
                    (40, 70, 50), (150, 120, 90), (110, 110, 115), (170, 60, 100)], np.float32)
SKIN = np.array([(225, 190, 160), (190, 140, 110), (140, 95, 70), (95, 65, 50)], np.float32)
SIGNS = np.array([(200, 30, 30), (30, 60, 170), (235, 235, 230), (230, 190, 30), (40, 120, 60)], np.float32)
LIGHT_CASES = np.array([(25, 25, 25), (60, 60, 55), (200, 170, 40)], np.float32)
WINDOW_GLASS = np.array([40, 50, 65.0])


def pick(rng: np.random.Generator, table: np.ndarray, jitter: float = 12.0) -> np.ndarray:
    """A colour of `table` with a uniform jitter."""
    return table[int(rng.integers(len(table)))] + rng.uniform(-jitter, jitter, 3)


def choice(u: float, items: tuple, cumulative: tuple) -> Any:
    """The item whose cumulative probability first exceeds the uniform `u`."""
    for item, c in zip(items, cumulative):
        if u < c:
            return item
    return items[-1]


def mix(own: np.ndarray, shared: np.ndarray, overlap: float) -> np.ndarray:
    """`overlap` of the way from a class's own colour to the colour it shares with a look-alike class."""
    return (1 - overlap) * own + overlap * shared
