"""The difficulty knobs of the synthetic scenes and the generator version they are recorded with.

The knobs change pixels, never the random draws of the layout (except `clutter`, which changes how
many objects there are), so one (seed, index) stays one street under any knob setting.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from arena.errors import ArenaError

GENERATOR_VERSION = 2   # 2: the blur is a centred 3x3 box (1: a 2x2 box that shifted the image)


@dataclass(frozen=True)
class SynthConfig:
    """The difficulty knobs of the synthetic scenes; `asdict()` goes into every training row.

    texture_overlap: 0..1. 0 gives each class its own colour family (road grey, sidewalk pinkish,
        walls concrete, terrain yellow-green); 1 draws road/sidewalk, building/wall and
        vegetation/terrain from one shared distribution each, so only layout tells them apart.
    noise: sensor noise, its largest standard deviation as a fraction of the 0..255 range (per
        scene a uniform 30-100 % of it).
    blur: 0..1, the largest per-scene mix of a centred 3x3 box blur into the image (`photometric.blur`).
    clutter: multiplies the expected number of every kind of object (0 leaves the empty street).
    lighting: 0..1, the half-range of the per-scene gain (1 +- lighting), also scales the tint and
        the strength of cast shadows.
    version: the generator version; rows record it, so scenes of two generators never mix.
    """
    texture_overlap: float = 0.8
    noise: float = 0.04
    blur: float = 0.6
    clutter: float = 1.0
    lighting: float = 0.35
    version: int = GENERATOR_VERSION

    def __post_init__(self):
        for name, lo, hi in (("texture_overlap", 0, 1), ("noise", 0, 0.5), ("blur", 0, 1), ("clutter", 0, 10),
                             ("lighting", 0, 0.9)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise ArenaError(f"synthetic knob {name}={value!r} is out of range: use a number in [{lo}, {hi}]")
        if self.version != GENERATOR_VERSION:
            raise ArenaError(f"synthetic generator version {self.version} is not this one ({GENERATOR_VERSION}): "
                             "drop version= to use the current generator")

    def asdict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def parse_knobs(text: str | None) -> SynthConfig:
    """`"noise=0.08,clutter=2"` -> SynthConfig(noise=0.08, clutter=2.0); empty or None: the defaults."""
    if not text:
        return SynthConfig()
    fields = {f.name: f.type for f in dataclasses.fields(SynthConfig)}
    values: dict[str, Any] = {}
    for item in text.split(","):
        key, sep, value = (s.strip() for s in item.partition("="))
        if not sep or key not in fields or key == "version":
            known = ", ".join(k for k in fields if k != "version")
            raise ArenaError(f"synthetic knob {item.strip()!r} is not KEY=NUMBER with KEY one of {known}")
        try:
            values[key] = float(value)
        except ValueError:
            raise ArenaError(f"synthetic knob {key}={value!r} is not a number (write it like {key}=0.5)") from None
    return SynthConfig(**values)
