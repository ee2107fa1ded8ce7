"""Procedurally generated street scenes in the 19 Cityscapes trainIds: arena's embedded dataset.

A scene is a pinhole camera over a flat street (DESIGN.md §7). Everything is laid out in metres and
projected, so perspective, depth scaling and occlusion come for free:

- the ground below the horizon: road (2-4 lanes, dashed lane markings, sometimes a zebra crossing and
  tram rails), kerbs and sidewalks (class sidewalk), terrain strips;
- two side planes (left and right facades) cut along the depth into segments: buildings with
  windows, walls and fences with vegetation or buildings behind them, hedges and trees, open gaps;
  a far backdrop (a skyline of buildings and trees) closes the street; sky above everything;
- objects placed uniformly in depth along the street, drawn far to near (occlusion): cars, trucks,
  buses, an occasional tram (train), poles with traffic signs and traffic lights (some on arms over
  the road), persons, riders on bicycles and motorcycles, parked bicycles and motorcycles, trees.
  Uniform depth makes apparent sizes follow a power law (size ~ 1/depth, so p(size) ~ size^-2).

Appearance overlaps on purpose, so colour alone cannot separate classes: road and sidewalk are one
material (one texture, brightness drawn from one distribution; only the layout and the kerb tell them
apart), walls take facade colours, terrain takes vegetation hues, poles and fences take concrete and
metal greys, vehicles take every colour. `SynthConfig.texture_overlap` mixes each class's own colour
family with the shared one. Lighting (gain, tint, cast shadows), sensor noise and blur vary per scene.

Determinism: a scene is a function of (seed, index, split) only, drawn from
`numpy.random.SeedSequence([seed, index, stream])`; all random draws happen before any pixel is
drawn and none depends on the resolution, so the same (seed, index) is the same scene at any (H, W).
The texture bank is built once per process from a fixed seed. Labels have no ignore pixels: every
pixel belongs to one of the 19 classes (255 appears only where a transform pads).
Drawing is vectorised numpy over whole planes and over each object's bounding box (no per-pixel
Python loop): see benchmarks/synthetic_speed.py for the images/s per core.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from arena.errors import ArenaError

GENERATOR_VERSION = 1

(ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE, LIGHT, SIGN, VEGETATION, TERRAIN, SKY, PERSON, RIDER, CAR,
 TRUCK, BUS, TRAIN, MOTORCYCLE, BICYCLE) = range(19)
SPLITS = {"train": 0, "val": 1, "test": 2}


@dataclass(frozen=True)
class SynthConfig:
    """The difficulty knobs of the synthetic scenes; `asdict()` goes into every training row.

    texture_overlap: 0..1. 0 gives each class its own colour family (road grey, sidewalk pinkish,
        walls concrete, terrain yellow-green); 1 draws road/sidewalk, building/wall and
        vegetation/terrain from one shared distribution each, so only layout tells them apart.
    noise: sensor noise, its largest standard deviation as a fraction of the 0..255 range (per
        scene a uniform fraction of it).
    blur: 0..1, the largest per-scene mix of a 3x3 box blur into the image.
    clutter: multiplies the expected number of every kind of object (0 leaves the empty street).
    lighting: 0..1, the half-range of the per-scene gain (1 +- lighting), also scales the tint and
        the strength of cast shadows.
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


# -- the texture bank (built once per process, from a fixed seed) ------------------------------------
_BANK: dict[str, np.ndarray] = {}


def _bank() -> dict[str, np.ndarray]:
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


def _patch(bank: np.ndarray, fy: float, fx: float, h: int, w: int) -> np.ndarray:
    """An h x w window of a bank (its last two axes) at fractional offset (fy, fx): a view when it
    fits, else a wrapped copy."""
    bh, bw = bank.shape[-2:]
    if h <= bh and w <= bw:
        y0, x0 = int(fy * (bh - h)), int(fx * (bw - w))
        return bank[..., y0:y0 + h, x0:x0 + w]
    rows = (int(fy * bh) + np.arange(h)) % bh
    cols = (int(fx * bw) + np.arange(w)) % bw
    return bank[..., rows, :][..., cols]


# -- colours ---------------------------------------------------------------------------------------
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


def _pick(rng: np.random.Generator, table: np.ndarray, jitter: float = 12.0) -> np.ndarray:
    """A colour of `table` with a uniform jitter (the palette is clipped to 0..255 once, when drawn)."""
    return table[int(rng.integers(len(table)))] + rng.uniform(-jitter, jitter, 3)


def _choice(u: float, items: tuple, cumulative: tuple) -> Any:
    """The item whose cumulative probability first exceeds the uniform `u`."""
    for item, c in zip(items, cumulative):
        if u < c:
            return item
    return items[-1]


def _mix(own: np.ndarray, shared: np.ndarray, overlap: float) -> np.ndarray:
    return (1 - overlap) * own + overlap * shared


# -- the layout: every random draw of a scene, in metres, independent of the resolution -----------
_SEG_KINDS = ("building", "vegetation", "wall", "fence", "fence_building", "open")
_SEG_CUM = (0.56, 0.70, 0.80, 0.88, 0.93, 1.0)
_WINDOW_GLASS = np.array([40, 50, 65.0])


def _segments(rng: np.random.Generator, c: dict, z_end: float, overlap: float) -> list[dict]:
    """The segments of one side plane along the depth, from the camera to the backdrop."""
    segs, z = [], 0.0
    while z < z_end:
        u = rng.random(16).tolist()
        kind = _choice(u[0], _SEG_KINDS, _SEG_CUM)
        length = 8 + 24 * u[1] if kind == "building" else 4 + 14 * u[1]
        facade = _pick(rng, FACADES, 18)
        seg = {"z0": z, "z1": z + length, "kind": kind, "h1": 0.0, "h2": 0.0, "c1": SKY, "c2": SKY,
               "col1": facade, "col2": facade, "bump1": 0.0, "bump2": 0.0,
               "win_dz": 2.4 + 1.8 * u[2], "win_wfrac": 0.3 + 0.3 * u[3], "win_floor": 2.8 + 0.8 * u[4],
               "win_hfrac": 0.35 + 0.25 * u[5], "win_ground": 2.5 + 2 * u[6],
               "win_colour": _mix(_WINDOW_GLASS, c["sky"], 0.5 * u[7]) * (0.5 + 0.6 * u[8]),
               "post": 1.5 + 1.5 * u[9], "mesh": 0.15 + 0.2 * u[10]}
        veg = c["veg"] * (0.75 + 0.45 * u[11])
        upper_veg = {"c2": VEGETATION, "col2": veg, "bump2": 2.0}
        upper_building = {"c2": BUILDING, "col2": facade}
        if kind == "building":
            seg.update(h1=7 + 23 * u[12], c1=BUILDING)
        elif kind == "vegetation":
            seg.update(h1=2.5 + 9.5 * u[12], c1=VEGETATION, col1=veg, bump1=0.5 + 2 * u[13])
        elif kind == "wall":
            seg.update(h1=0.8 + 2 * u[12], c1=WALL, col1=_mix(_pick(rng, CONCRETE, 10), _pick(rng, FACADES, 18), overlap))
            if u[14] < 0.8:
                seg.update(upper_veg if u[14] < 0.5 else upper_building, h2=seg["h1"] + 2 + 12 * u[15])
        elif kind in ("fence", "fence_building"):
            seg.update(h1=1.0 + 1.2 * u[12], c1=FENCE, col1=_mix(_pick(rng, CONCRETE, 15), _pick(rng, VEHICLES, 10), 0.3))
            if kind == "fence_building" or u[14] < 0.7:
                seg.update(upper_building if kind == "fence_building" else upper_veg, h2=seg["h1"] + 2 + 12 * u[15])
        segs.append(seg)
        z += length
    return segs


def layout(rng: np.random.Generator, cfg: SynthConfig) -> dict:
    """Every random number of one scene (camera, street, segments, objects, lighting), in metres."""
    ov, cl, li = cfg.texture_overlap, cfg.clutter, cfg.lighting
    s: dict[str, Any] = {
        "horizon": rng.uniform(0.36, 0.48), "focal": rng.uniform(0.85, 1.15), "cx": 0.5 + rng.uniform(-0.06, 0.06),
        "cam_h": rng.uniform(1.2, 1.6), "z_end": rng.uniform(55, 150),
    }
    lanes = int(rng.choice([2, 2, 3, 4])); lane_w = rng.uniform(2.9, 3.5)
    own = int(rng.integers(lanes))
    rl = -(own + 0.5) * lane_w + rng.uniform(-0.4, 0.4)
    s.update(lanes=lanes, lane_w=lane_w, rl=rl, rr=rl + lanes * lane_w, kerb=rng.uniform(0.15, 0.3),
             sw_l=rng.uniform(1.8, 5.5), sw_r=rng.uniform(1.8, 5.5),
             ter_l=rng.uniform(1, 6) if rng.random() < 0.35 else 0.0,
             ter_r=rng.uniform(1, 6) if rng.random() < 0.35 else 0.0)
    s["xl"] = s["rl"] - s["sw_l"] - s["ter_l"]
    s["xr"] = s["rr"] + s["sw_r"] + s["ter_r"]

    # Colours. Road and sidewalk: one material, brightness from one distribution (overlap 1), or the
    # sidewalk's own reddish paving (overlap 0). Terrain: the vegetation's hue pulled to yellow.
    sky_blue = np.array([rng.uniform(90, 150), rng.uniform(140, 190), rng.uniform(200, 245)])
    overcast = np.full(3, rng.uniform(170, 235)) + rng.uniform(-8, 8, 3)
    sky = sky_blue if rng.random() < 0.6 else overcast
    asphalt = np.full(3, rng.uniform(70, 150)) + rng.uniform(-6, 6, 3)
    paving = asphalt * rng.uniform(0.8, 1.25) + rng.uniform(-6, 6, 3)
    own_paving = np.array([rng.uniform(170, 210), rng.uniform(140, 165), rng.uniform(135, 160)])
    hue = rng.uniform(0, 1)
    veg = np.array([40 + 50 * hue, rng.uniform(80, 125), 30 + 20 * (1 - hue)]) * rng.uniform(0.7, 1.15)
    terrain_shared = veg * rng.uniform(0.85, 1.3) + rng.uniform(-10, 10, 3)
    terrain_own = np.array([rng.uniform(140, 175), rng.uniform(140, 170), rng.uniform(70, 100)])
    s["colours"] = c = {
        "sky": sky, "road": asphalt, "sidewalk": _mix(own_paving, paving, ov),
        "kerb": np.clip(paving * rng.uniform(0.7, 1.35), 0, 255), "veg": veg,
        "terrain": _mix(terrain_own, terrain_shared, ov), "paint": np.full(3, rng.uniform(170, 240)),
        "rail": np.full(3, rng.uniform(55, 95)),
    }
    s["left"], s["right"] = (_segments(rng, c, s["z_end"], ov) for _ in range(2))
    s["backdrop"] = [{"x1": x, "cls": BUILDING if rng.random() < 0.65 else VEGETATION, "h": rng.uniform(5, 40),
                      "col": _pick(rng, FACADES, 20)} for x in np.sort(rng.uniform(0, 1, 7)).tolist() + [1.0]]
    s["dash"] = (rng.uniform(8, 13), rng.uniform(0.3, 0.55), rng.uniform(0.1, 0.16))
    s["edge_lines"] = rng.random() < 0.5
    s["zebra"] = rng.uniform(7, 30) if rng.random() < 0.25 else None
    s["rails"] = rl + lane_w * (int(rng.integers(lanes)) + 0.5) if rng.random() < 0.2 else None
    s["shadow"] = ({"side": -1 if rng.random() < 0.5 else 1, "x": rng.uniform(0.2, 0.8),
                    "strength": 1 - rng.uniform(0.3, 0.9) * li} if rng.random() < 0.5 else None)
    s["light"] = {"gain": rng.uniform(1 - li, 1 + li), "tint": 1 + rng.uniform(-0.25, 0.25, 3) * li,
                  "texture": rng.uniform(0.03, 0.1), "grain": rng.uniform(0.02, 0.07),
                  "noise": rng.uniform(0.3, 1.0) * cfg.noise * 255, "blur": rng.uniform(0, cfg.blur),
                  "offsets": rng.uniform(0, 1, 8)}
    s["objects"] = _objects(rng, s, cl)
    return s


def _objects(rng: np.random.Generator, s: dict, clutter: float) -> list[dict]:
    objs: list[dict] = []
    rl, rr, lane_w, kerb = s["rl"], s["rr"], s["lane_w"], s["kerb"]

    def lane_x() -> float:
        return rl + lane_w * (int(rng.integers(s["lanes"])) + 0.5) + rng.uniform(-0.3, 0.3)

    def parked_x(half: float) -> float:
        return rl + half + 0.2 if rng.random() < 0.5 else rr - half - 0.2

    def sidewalk_x(margin: float = 0.4) -> float:
        if rng.random() < 0.5:
            return rl - kerb - rng.uniform(margin, max(margin + 0.1, s["sw_l"] - margin))
        return rr + kerb + rng.uniform(margin, max(margin + 0.1, s["sw_r"] - margin))

    for _ in range(rng.poisson(5.5 * clutter)):
        w = rng.uniform(1.65, 1.95)
        parked = rng.random() < 0.45
        z = rng.uniform(4, 60) if parked else rng.uniform(9, 80)
        objs.append({"kind": "car", "z": z, "x": parked_x(w / 2) if parked else lane_x(), "w": w * (rng.uniform(1, 1.7) if parked else 1),
                     "h": rng.uniform(1.35, 1.65), "col": _pick(rng, VEHICLES, 15),
                     "glass": np.clip(_mix(np.array([35, 40, 50.]), s["colours"]["sky"], rng.uniform(0, 0.4)), 0, 255)})
    for _ in range(rng.poisson(0.45 * clutter)):
        objs.append({"kind": "truck", "z": rng.uniform(9, 80), "x": lane_x() if rng.random() < 0.6 else parked_x(1.2),
                     "w": rng.uniform(2.3, 2.55), "h": rng.uniform(2.8, 3.9), "col": _pick(rng, VEHICLES, 15),
                     "box": _pick(rng, np.concatenate([VEHICLES, FACADES]), 15)})
    for _ in range(rng.poisson(0.35 * clutter)):
        objs.append({"kind": "bus", "z": rng.uniform(10, 80), "x": lane_x(), "w": rng.uniform(2.45, 2.6),
                     "h": rng.uniform(2.9, 3.4), "col": _pick(rng, np.concatenate([VEHICLES, SIGNS]), 15)})
    if s["rails"] is not None and rng.random() < 0.75 * min(1.0, clutter + 0.25):
        objs.append({"kind": "train", "z": rng.uniform(12, 70), "x": s["rails"], "w": rng.uniform(2.55, 2.7),
                     "h": rng.uniform(3.3, 3.8), "col": _pick(rng, np.concatenate([SIGNS, VEHICLES[:3]]), 15)})
    for _ in range(rng.poisson(4.5 * clutter)):
        crossing = rng.random() < 0.15
        objs.append({"kind": "person", "z": rng.uniform(5, 50), "x": rng.uniform(rl, rr) if crossing else sidewalk_x(),
                     "h": rng.uniform(1.5, 1.95), "shirt": _pick(rng, CLOTHES, 15), "legs": _pick(rng, CLOTHES, 15),
                     "skin": _pick(rng, SKIN, 8), "stride": rng.uniform(-0.12, 0.12), "swing": rng.uniform(-0.1, 0.1)})
    for _ in range(rng.poisson(1.1 * clutter)):
        moto = rng.random() < 0.4
        objs.append({"kind": "rider", "z": rng.uniform(5, 50),
                     "x": (rl + 0.8 if rng.random() < 0.5 else rr - 0.8) if rng.random() < 0.8 else sidewalk_x(),
                     "vehicle": "motorcycle" if moto else "bicycle", "dir": 1 if rng.random() < 0.5 else -1,
                     "col": _pick(rng, VEHICLES, 15), "shirt": _pick(rng, CLOTHES, 15),
                     "legs": _pick(rng, CLOTHES, 15), "skin": _pick(rng, SKIN, 8), "helmet": _pick(rng, VEHICLES, 10)})
    for vehicle, rate in (("bicycle", 0.9), ("motorcycle", 0.35)):
        for _ in range(rng.poisson(rate * clutter)):
            objs.append({"kind": vehicle, "z": rng.uniform(3.5, 45), "x": sidewalk_x(0.5),
                         "dir": 1 if rng.random() < 0.5 else -1, "col": _pick(rng, VEHICLES, 15)})
    for _ in range(rng.poisson(6 * clutter)):
        side = -1 if rng.random() < 0.5 else 1
        x = rl - kerb - rng.uniform(0.2, 0.7) if side < 0 else rr + kerb + rng.uniform(0.2, 0.7)
        h = rng.uniform(3, 8)
        pole = {"kind": "pole", "z": rng.uniform(4, 90), "x": x, "h": h, "w": rng.uniform(0.1, 0.25),
                "col": _mix(_pick(rng, CONCRETE, 12), _pick(rng, VEHICLES, 10), 0.3), "attach": []}
        r = rng.random()
        if r < 0.45:
            size = rng.uniform(0.5, 0.9)
            pole["attach"].append({"kind": "sign", "shape": int(rng.integers(3)), "size": size,
                                   "at": min(h, rng.uniform(2.2, 3.5) + size), "col": _pick(rng, SIGNS, 15),
                                   "back": rng.random() < 0.2})
        elif r < 0.75:
            arm = rng.uniform(2.5, 5.0) if rng.random() < 0.3 else 0.0
            pole["attach"].append({"kind": "light", "at": h - 0.1 if arm else min(h, rng.uniform(2.6, 4.0)),
                                   "arm": arm * -side, "lit": int(rng.integers(3)),
                                   "case": _pick(rng, np.array([(25, 25, 25), (60, 60, 55), (200, 170, 40)], np.float32), 8)})
            if rng.random() < 0.35:
                size = rng.uniform(0.4, 0.7)
                pole["attach"].append({"kind": "sign", "shape": int(rng.integers(3)), "size": size,
                                       "at": min(h, rng.uniform(2.0, 2.6)), "col": _pick(rng, SIGNS, 15), "back": False})
        objs.append(pole)
    for _ in range(rng.poisson(2.5 * clutter)):
        objs.append({"kind": "tree", "z": rng.uniform(4, 80), "x": sidewalk_x(0.6), "r": rng.uniform(1.3, 3.2),
                     "trunk": rng.uniform(1.8, 4.0), "col": np.clip(s["colours"]["veg"] * rng.uniform(0.7, 1.2), 0, 255),
                     "off": rng.uniform(0, 1, 2)})
    return objs


# -- drawing ----------------------------------------------------------------------------------------
class _Canvas:
    """A label map and a colour-index map (colours gathered once at the end), with vectorised primitives
    over bounding boxes. Boxes are rounded to pixels and keep at least one pixel in each direction,
    so thin and far objects (poles, wheels) never vanish."""

    def __init__(self, h: int, w: int, sky: np.ndarray):
        self.h, self.w = h, w
        self.lab = np.full((h, w), SKY, np.uint8)
        self.cid = np.zeros((h, w), np.uint16)
        self.colours: list[np.ndarray] = [np.asarray(sky, np.float32)]

    def colour(self, rgb) -> int:
        self.colours.append(np.asarray(rgb, np.float32))
        return len(self.colours) - 1

    def box(self, x0: float, x1: float, y0: float, y1: float):
        ix0, iy0 = int(round(x0)), int(round(y0))
        ix1, iy1 = max(int(round(x1)), ix0 + 1), max(int(round(y1)), iy0 + 1)
        ix0, iy0, ix1, iy1 = max(ix0, 0), max(iy0, 0), min(ix1, self.w), min(iy1, self.h)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        return ix0, ix1, iy0, iy1

    def _put(self, b, mask, cls: int, cid: int) -> None:
        ix0, ix1, iy0, iy1 = b
        if mask is None:
            self.lab[iy0:iy1, ix0:ix1] = cls
            self.cid[iy0:iy1, ix0:ix1] = cid
        else:
            self.lab[iy0:iy1, ix0:ix1][mask] = cls
            self.cid[iy0:iy1, ix0:ix1][mask] = cid

    @staticmethod
    def _grid(b):
        ix0, ix1, iy0, iy1 = b
        return (np.arange(ix0, ix1, dtype=np.float32) + 0.5)[None, :], (np.arange(iy0, iy1, dtype=np.float32) + 0.5)[:, None]

    def rect(self, x0, x1, y0, y1, cls, cid):
        b = self.box(x0, x1, y0, y1)
        if b:
            self._put(b, None, cls, cid)

    def ellipse(self, cx, cy, rx, ry, cls, cid, noise: np.ndarray | None = None):
        rx, ry = max(rx, 0.5), max(ry, 0.5)
        b = self.box(cx - rx, cx + rx, cy - ry, cy + ry)
        if b:
            x, y = self._grid(b)
            d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
            if noise is not None:
                d = d + noise[:d.shape[0], :d.shape[1]]
            self._put(b, d <= 1.0, cls, cid)

    def ring(self, cx, cy, r, t, cls, cid):
        t = max(t, 0.8)
        b = self.box(cx - r - t / 2, cx + r + t / 2, cy - r - t / 2, cy + r + t / 2)
        if b:
            x, y = self._grid(b)
            self._put(b, np.abs(np.sqrt((x - cx) ** 2 + (y - cy) ** 2) - r) <= t / 2, cls, cid)

    def segment(self, xa, ya, xb, yb, t, cls, cid):
        t = max(t, 0.9)
        b = self.box(min(xa, xb) - t / 2, max(xa, xb) + t / 2, min(ya, yb) - t / 2, max(ya, yb) + t / 2)
        if b:
            x, y = self._grid(b)
            dx, dy = xb - xa, yb - ya
            k = np.clip(((x - xa) * dx + (y - ya) * dy) / max(dx * dx + dy * dy, 1e-6), 0, 1)
            self._put(b, (x - xa - k * dx) ** 2 + (y - ya - k * dy) ** 2 <= (t / 2) ** 2, cls, cid)

    def trapezoid(self, cx, y_top, y_bot, half_top, half_bot, cls, cid):
        b = self.box(cx - max(half_top, half_bot), cx + max(half_top, half_bot), y_top, y_bot)
        if b:
            x, y = self._grid(b)
            f = np.clip((y - y_top) / max(y_bot - y_top, 1e-6), 0, 1)
            self._put(b, np.abs(x - cx) <= half_top + (half_bot - half_top) * f + 0.5, cls, cid)


class _Projector:
    """Metres on the ground (x lateral, z depth, v height) -> pixels."""

    def __init__(self, s: dict, h: int, w: int):
        self.f = s["focal"] * w
        self.yh = s["horizon"] * h
        self.cx = s["cx"] * w
        self.cam_h = s["cam_h"]

    def at(self, x: float, z: float):
        """(pixel x of the point, pixel y of its ground contact, pixels per metre at that depth)."""
        k = self.f / z
        return self.cx + x * k, self.yh + self.cam_h * k, k


def _draw_ground(cv: _Canvas, s: dict, p: _Projector, shade: np.ndarray) -> None:
    h, w, c = cv.h, cv.w, s["colours"]
    y_end = p.yh + p.f * p.cam_h / s["z_end"]
    r0 = min(h, max(0, int(math.ceil(y_end - 0.5))))
    if r0 >= h:
        return
    ys = np.arange(r0, h, dtype=np.float32) + 0.5
    z = (p.f * p.cam_h / np.maximum(ys - p.yh, 1e-3))[:, None]            # depth of each row
    x = (np.arange(w, dtype=np.float32) + 0.5 - p.cx)[None, :] * (z / p.f)  # lateral metres of each pixel
    rl, rr, kerb = s["rl"], s["rr"], s["kerb"]
    lab = np.full(x.shape, TERRAIN, np.uint8)
    cid = np.full(x.shape, cv.colour(c["terrain"]), np.uint16)
    walk = (x > rl - s["sw_l"]) & (x < rr + s["sw_r"])
    lab[walk] = SIDEWALK
    cid[walk] = cv.colour(c["sidewalk"])
    kerbs = ((x > rl - kerb) & (x < rl)) | ((x > rr) & (x < rr + kerb))
    cid[kerbs] = cv.colour(c["kerb"])
    road = (x >= rl) & (x <= rr)
    lab[road] = ROAD
    cid[road] = cv.colour(c["road"])
    period, on, width = s["dash"]
    paint = cv.colour(c["paint"])
    dashes = (np.mod(z, period) < on * period)
    lines = [(rl + k * s["lane_w"], dashes) for k in range(1, s["lanes"])]
    if s["edge_lines"]:
        lines += [(rl + 0.35, True), (rr - 0.35, True)]
    for xk, rows in lines:
        m = np.abs(x - xk) < width / 2
        cid[m & rows] = paint
    if s["zebra"] is not None:
        z0 = s["zebra"]
        rows = (z >= z0) & (z <= z0 + 3.5)
        cid[rows & road & (np.mod(x, 1.0) < 0.5)] = paint
    if s["rails"] is not None:
        steel = cv.colour(c["rail"])
        for xk in (s["rails"] - 0.72, s["rails"] + 0.72):
            cid[np.abs(x - xk) < 0.05] = steel
    if s["shadow"] is not None:
        sh = s["shadow"]
        edge = (s["xl"] + sh["x"] * (s["xr"] - s["xl"]))
        m = (x < edge) if sh["side"] < 0 else (x > edge)
        shade[r0:][m] *= sh["strength"]
    cv.lab[r0:] = lab
    cv.cid[r0:] = cid


def _draw_backdrop(cv: _Canvas, s: dict, p: _Projector) -> None:
    h, w, z_end = cv.h, cv.w, s["z_end"]
    xs = (np.arange(w, dtype=np.float32) + 0.5) / w
    blocks = s["backdrop"]
    idx = np.searchsorted(np.array([b["x1"] for b in blocks]), xs)
    idx = np.minimum(idx, len(blocks) - 1)
    heights = np.array([b["h"] for b in blocks], np.float32)[idx]
    classes = np.array([b["cls"] for b in blocks], np.uint8)[idx]
    cids = np.array([cv.colour(b["col"] if b["cls"] == BUILDING else s["colours"]["veg"] * 0.9) for b in blocks],
                    np.uint16)[idx]
    line = _bank()["line"]
    heights = heights + np.where(classes == VEGETATION, 1.5 * line[(np.arange(w) * 7) % len(line)], 0)
    top = p.yh - p.f * (heights - p.cam_h) / z_end
    bottom = p.yh + p.f * p.cam_h / z_end
    r0, r1 = max(0, int(top.min())), min(h, int(math.ceil(bottom)) + 1)
    if r0 >= r1:
        return
    ys = (np.arange(r0, r1, dtype=np.float32) + 0.5)[:, None]
    m = ys >= top[None, :]
    cv.lab[r0:r1] = np.where(m, classes[None, :], cv.lab[r0:r1])
    cv.cid[r0:r1] = np.where(m, cids[None, :], cv.cid[r0:r1])


def _draw_side(cv: _Canvas, s: dict, p: _Projector, side: int, shade: np.ndarray) -> None:
    """One side plane (x = xl or xr) and its segments, perspective-correct. Per column: the depth where
    the ray meets the plane, and the image rows where its layers (ground to h1, h1 to h2) start and
    end; per pixel only comparisons of the row against those bounds."""
    h, w = cv.h, cv.w
    plane = s["xl"] if side < 0 else s["xr"]
    segs = s["left"] if side < 0 else s["right"]
    xs = np.arange(w, dtype=np.float32) + 0.5
    dx = xs - p.cx
    with np.errstate(divide="ignore"):
        zc_all = p.f * plane / dx
    cols = np.nonzero((dx * side > 0.5) & (zc_all < s["z_end"]))[0]
    if len(cols) == 0:
        return
    a0, a1 = int(cols[0]), int(cols[-1]) + 1
    zc = zc_all[a0:a1]
    k = np.searchsorted(np.array([g["z1"] for g in segs]), zc).clip(0, len(segs) - 1)

    def per(key, dtype=np.float32):
        return np.array([g[key] for g in segs], dtype)[k]

    line = _bank()["line"]
    bump = line[(zc * 3.1).astype(np.int64) % len(line)]
    h1 = per("h1") + per("bump1") * bump
    h2 = np.maximum(per("h2") + per("bump2") * bump, h1)
    c1, c2 = per("c1", np.uint8), per("c2", np.uint8)
    col1 = np.array([cv.colour(g["col1"]) for g in segs], np.uint16)[k]
    col2 = np.array([cv.colour(g["col2"]) for g in segs], np.uint16)[k]
    scale = p.f / zc                                            # pixels per metre in each column
    y_ground = p.yh + p.cam_h * scale                           # image row of height 0, h1, h2
    y_h1 = p.yh - (h1 - p.cam_h) * scale
    y_h2 = p.yh - (h2 - p.cam_h) * scale
    r0 = max(0, int(y_h2.min()) - 1)
    r1 = min(h, int(y_ground.max()) + 2)
    if r0 >= r1:
        return
    ys = (np.arange(r0, r1, dtype=np.float32) + 0.5)[:, None]
    below = ys <= y_ground[None, :]
    lower = below & (ys > y_h1[None, :])
    upper = (ys <= y_h1[None, :]) & (ys > y_h2[None, :])
    lab = cv.lab[r0:r1, a0:a1]
    cid = cv.cid[r0:r1, a0:a1]
    shape = lab.shape
    np.copyto(lab, np.broadcast_to(c1[None, :], shape), where=lower)
    np.copyto(lab, np.broadcast_to(c2[None, :], shape), where=upper)
    np.copyto(cid, np.broadcast_to(col1[None, :], shape), where=lower)
    np.copyto(cid, np.broadcast_to(col2[None, :], shape), where=upper)
    # windows: a grid in (depth, height) on building surfaces; t counts floors above the ground floor
    b1, b2 = c1 == BUILDING, c2 == BUILDING
    in_col = (np.abs(np.mod(zc / per("win_dz"), 1.0) - 0.5) < per("win_wfrac") / 2) & (b1 | b2)
    if in_col.any():
        floor, ground = per("win_floor"), per("win_ground")
        bottom = np.maximum(np.where(b1, 0.0, h1), ground)
        top = np.where(b1, h1, h2) - 0.6
        inv = 1.0 / floor
        a = np.where(in_col, (p.cam_h - bottom) * inv, -1e6).astype(np.float32)
        b = (zc / p.f * inv).astype(np.float32)
        t = a[None, :] - (ys - p.yh) * b[None, :]            # floors above the window band's bottom
        n = ((top - bottom) * inv).astype(np.float32)
        windows = (t > 0) & (t < n[None, :]) & (t - np.floor(t) < per("win_hfrac")[None, :])
        wcol = np.array([cv.colour(g["win_colour"]) for g in segs], np.uint16)[k]
        np.copyto(cid, np.broadcast_to(wcol[None, :], shape), where=windows)
    # fences: posts, two rails and a diagonal mesh; between them the darker fill of what lies behind
    fence_cols = c1 == FENCE
    if fence_cols.any():
        yp = p.cam_h - (ys - p.yh) / scale[None, :]
        post, mesh = per("post"), per("mesh")
        bars = ((np.mod(zc / post, 1.0) < 0.08)[None, :] | (np.abs(yp - h1[None, :] + 0.08) < 0.06)
                | (np.abs(yp - 0.25) < 0.05) | (np.mod((zc[None, :] + yp) / mesh[None, :], 1.0) < 0.22)
                | (np.mod((zc[None, :] - yp) / mesh[None, :], 1.0) < 0.22))
        behind = cv.colour(s["colours"]["veg"] * 0.45)
        cid[lower & fence_cols[None, :] & ~bars] = behind
    if s["shadow"] is not None and s["shadow"]["side"] == side:
        region = shade[r0:r1, a0:a1]
        region[lower | upper] *= s["shadow"]["strength"]


def _draw_object(cv: _Canvas, o: dict, p: _Projector, s: dict) -> None:
    kind = o["kind"]
    xc, yb, k = p.at(o["x"], o["z"])
    if xc < -12 * k or xc > cv.w + 12 * k or yb < 0:
        return

    def X(u):
        return xc + u * k

    def Y(v):
        return yb - v * k

    col = cv.colour
    if kind in ("car", "truck", "bus", "train"):
        w, hh = o["w"], o["h"]
        cls = {"car": CAR, "truck": TRUCK, "bus": BUS, "train": TRAIN}[kind]
        if hh * k < 6:  # far away: a silhouette is all the pixels can hold
            cv.rect(X(-w / 2), X(w / 2), Y(hh * 0.95), Y(0), cls, col(o.get("box", o["col"])))
            return
        cv.ellipse(xc, yb, (w / 2 + 0.15) * k, 0.12 * k, ROAD, col(s["colours"]["road"] * 0.35))  # contact shadow
        tyre = col((22, 22, 24))
        if kind == "train":
            body = col(o["col"])
            cv.rect(X(-w / 2), X(w / 2), Y(hh - 0.25), Y(0.35), TRAIN, body)
            cv.ellipse(xc, Y(hh - 0.25), w / 2 * k, 0.3 * k, TRAIN, body)
            cv.rect(X(-w / 2 + 0.15), X(w / 2 - 0.15), Y(hh * 0.85), Y(hh * 0.5), TRAIN, col((30, 40, 50)))
            cv.rect(X(-w / 2 + 0.1), X(w / 2 - 0.1), Y(0.35), Y(0.05), TRAIN, col((45, 45, 45)))
            cv.rect(X(-w / 2 + 0.3), X(-w / 2 + 0.55), Y(0.8), Y(0.65), TRAIN, col((240, 240, 200)))
            cv.rect(X(w / 2 - 0.55), X(w / 2 - 0.3), Y(0.8), Y(0.65), TRAIN, col((240, 240, 200)))
            wire = col((40, 40, 40))
            cv.segment(X(-0.5), Y(hh + 0.05), X(0), Y(hh + 0.9), 0.05 * k, TRAIN, wire)
            cv.segment(X(0.5), Y(hh + 0.05), X(0), Y(hh + 0.9), 0.05 * k, TRAIN, wire)
            cv.segment(X(-0.6), Y(hh + 0.9), X(0.6), Y(hh + 0.9), 0.05 * k, TRAIN, wire)
            return
        for u in (-w / 2 + 0.05, w / 2 - 0.35):
            cv.rect(X(u), X(u + 0.3), Y(0.4 if kind != "car" else 0.32), Y(0), cls, tyre)
        body = col(o["col"])
        if kind == "car":
            cv.rect(X(-w / 2), X(w / 2), Y(0.6 * hh), Y(0.2), CAR, body)
            cv.trapezoid(xc, Y(hh), Y(0.6 * hh), w / 2 * 0.68 * k, w / 2 * 0.92 * k, CAR, body)
            cv.trapezoid(xc, Y(0.95 * hh), Y(0.64 * hh), w / 2 * 0.6 * k, w / 2 * 0.8 * k, CAR, col(o["glass"]))
            red = col((170, 20, 20))
            cv.rect(X(-w / 2 + 0.05), X(-w / 2 + 0.3), Y(0.55 * hh), Y(0.45 * hh), CAR, red)
            cv.rect(X(w / 2 - 0.3), X(w / 2 - 0.05), Y(0.55 * hh), Y(0.45 * hh), CAR, red)
            cv.rect(X(-0.25), X(0.25), Y(0.42), Y(0.3), CAR, col((225, 225, 220)))
        elif kind == "truck":
            cv.rect(X(-w / 2 + 0.1), X(w / 2 - 0.1), Y(0.7), Y(0.3), TRUCK, col((35, 35, 35)))
            cv.rect(X(-w / 2), X(w / 2), Y(hh), Y(0.7), TRUCK, col(o["box"]))
            cv.rect(X(-0.03), X(0.03), Y(hh - 0.1), Y(0.8), TRUCK, col(o["box"] * 0.6))
            cv.rect(X(-w / 2 + 0.1), X(-w / 2 + 0.35), Y(0.6), Y(0.45), TRUCK, col((170, 20, 20)))
            cv.rect(X(w / 2 - 0.35), X(w / 2 - 0.1), Y(0.6), Y(0.45), TRUCK, col((170, 20, 20)))
        else:  # bus
            cv.rect(X(-w / 2), X(w / 2), Y(hh), Y(0.3), BUS, body)
            cv.rect(X(-w / 2 + 0.15), X(w / 2 - 0.15), Y(hh * 0.92), Y(hh * 0.55), BUS, col((25, 30, 38)))
            cv.rect(X(-0.6), X(0.6), Y(hh * 0.98), Y(hh * 0.93), BUS, col((240, 160, 40)))
            cv.rect(X(-w / 2 + 0.1), X(-w / 2 + 0.35), Y(0.8), Y(0.55), BUS, col((170, 20, 20)))
            cv.rect(X(w / 2 - 0.35), X(w / 2 - 0.1), Y(0.8), Y(0.55), BUS, col((170, 20, 20)))
    elif kind == "person":
        hh, shirt, legs = o["h"], col(o["shirt"]), col(o["legs"])
        if hh * k < 8:
            cv.rect(X(-0.2), X(0.2), Y(hh), Y(0.5 * hh), PERSON, shirt)
            cv.rect(X(-0.15), X(0.15), Y(0.5 * hh), Y(0), PERSON, legs)
            return
        st, sw = o["stride"], o["swing"]
        hip = Y(0.5 * hh)
        cv.segment(X(-0.08), hip, X(-0.1 - st), Y(0.03), 0.14 * k, PERSON, legs)
        cv.segment(X(0.08), hip, X(0.1 + st), Y(0.03), 0.14 * k, PERSON, legs)
        cv.trapezoid(xc, Y(0.82 * hh), hip, 0.21 * k, 0.16 * k, PERSON, shirt)
        cv.segment(X(-0.21), Y(0.8 * hh), X(-0.27 - sw), Y(0.47 * hh), 0.09 * k, PERSON, shirt)
        cv.segment(X(0.21), Y(0.8 * hh), X(0.27 + sw), Y(0.47 * hh), 0.09 * k, PERSON, shirt)
        cv.ellipse(xc, Y(0.91 * hh), 0.1 * k, 0.12 * k, PERSON, col(o["skin"]))
    elif kind in ("rider", "bicycle", "motorcycle"):
        vehicle = o["vehicle"] if kind == "rider" else kind
        d = o["dir"]
        if k < 5:
            cv.rect(X(-0.9), X(0.9), Y(0.7), Y(0), BICYCLE if vehicle == "bicycle" else MOTORCYCLE, col(o["col"]))
            if kind == "rider":
                cv.rect(X(-0.2), X(0.2), Y(1.75), Y(0.8), RIDER, col(o["shirt"]))
            return
        if vehicle == "bicycle":
            frame, tyre = col(o["col"]), col((20, 20, 22))
            r, ax = 0.34, 0.55
            cv.ring(X(-ax * d), Y(r), r * k, 0.05 * k, BICYCLE, tyre)
            cv.ring(X(ax * d), Y(r), r * k, 0.05 * k, BICYCLE, tyre)
            pts = {"rear": (-ax, r), "front": (ax, r), "bb": (0.0, 0.3), "seat": (-0.15, 0.9), "head": (0.4, 0.88)}
            for a, b in (("rear", "bb"), ("rear", "seat"), ("bb", "seat"), ("bb", "head"), ("seat", "head"),
                         ("head", "front")):
                cv.segment(X(pts[a][0] * d), Y(pts[a][1]), X(pts[b][0] * d), Y(pts[b][1]), 0.04 * k, BICYCLE, frame)
            cv.segment(X(0.38 * d), Y(1.0), X(0.5 * d), Y(1.0), 0.04 * k, BICYCLE, frame)
            seat_v, bar = 0.95, (0.45, 1.0)
            cls = BICYCLE
        else:
            body, tyre = col(o["col"]), col((18, 18, 20))
            r, ax = 0.31, 0.7
            cv.ellipse(X(-ax * d), Y(r), r * k, r * k, MOTORCYCLE, tyre)
            cv.ellipse(X(ax * d), Y(r), r * k, r * k, MOTORCYCLE, tyre)
            cv.ellipse(X(-ax * d), Y(r), 0.12 * k, 0.12 * k, MOTORCYCLE, col((150, 150, 150)))
            cv.ellipse(X(ax * d), Y(r), 0.12 * k, 0.12 * k, MOTORCYCLE, col((150, 150, 150)))
            cv.ellipse(X(0.0), Y(0.62), 0.6 * k, 0.24 * k, MOTORCYCLE, body)
            cv.ellipse(X(0.15 * d), Y(0.85), 0.3 * k, 0.13 * k, MOTORCYCLE, body)
            cv.segment(X(0.55 * d), Y(0.95), X(ax * d), Y(r), 0.06 * k, MOTORCYCLE, col((90, 90, 90)))
            cv.ellipse(X(0.62 * d), Y(0.95), 0.08 * k, 0.08 * k, MOTORCYCLE, col((235, 235, 210)))
            seat_v, bar = 0.85, (0.5, 1.05)
            cls = MOTORCYCLE
        del cls
        if kind != "rider":
            return
        shirt, legs = col(o["shirt"]), col(o["legs"])
        hip = (-0.15 * d, seat_v + 0.05)
        shoulder = (0.1 * d, seat_v + 0.6)
        cv.segment(X(hip[0]), Y(hip[1]), X(0.08 * d), Y(seat_v - 0.3), 0.14 * k, RIDER, legs)
        cv.segment(X(0.08 * d), Y(seat_v - 0.3), X(0.02 * d), Y(0.3), 0.12 * k, RIDER, legs)
        cv.segment(X(hip[0]), Y(hip[1]), X(shoulder[0]), Y(shoulder[1]), 0.32 * k, RIDER, shirt)
        cv.segment(X(shoulder[0]), Y(shoulder[1]), X(bar[0] * d), Y(bar[1]), 0.09 * k, RIDER, shirt)
        cv.ellipse(X(0.18 * d), Y(seat_v + 0.8), 0.12 * k, 0.13 * k, RIDER,
                   col(o["helmet"] if vehicle == "motorcycle" else o["skin"]))
    elif kind == "pole":
        hh, pw, pc = o["h"], o["w"], col(o["col"])
        cv.rect(X(-pw / 2), X(pw / 2), Y(hh), Y(0), POLE, pc)
        for a in o["attach"]:
            if a["kind"] == "sign":
                size, top = a["size"], a["at"]
                sc = col(a["col"] if not a["back"] else o["col"] * 0.9)
                cy = Y(top - size / 2)
                if a["shape"] == 0:
                    cv.ellipse(xc, cy, size / 2 * k, size / 2 * k, SIGN, sc)
                    if not a["back"]:
                        cv.ellipse(xc, cy, size / 3 * k, size / 3 * k, SIGN, col((235, 235, 235)))
                elif a["shape"] == 1:
                    cv.trapezoid(xc, Y(top), Y(top - size), 0.0, size / 2 * k, SIGN, sc)
                else:
                    cv.rect(X(-size / 2), X(size / 2), Y(top), Y(top - size * 0.75), SIGN, sc)
            else:
                ux = a["arm"]
                if ux:
                    cv.segment(xc, Y(a["at"]), X(ux), Y(a["at"]), 0.1 * k, POLE, pc)
                top = a["at"] - (0.1 if ux else 0)
                case = col(a["case"])
                cv.rect(X(ux - 0.17), X(ux + 0.17), Y(top), Y(top - 0.9), LIGHT, case)
                lamps = [(220, 30, 20), (235, 170, 20), (40, 210, 90)]
                for i in range(3):
                    lit = i == a["lit"]
                    rgb = np.array(lamps[i], np.float32) * (1.0 if lit else 0.25)
                    cv.ellipse(X(ux), Y(top - 0.15 - 0.3 * i), 0.1 * k, 0.1 * k, LIGHT, col(rgb))
    elif kind == "tree":
        r, trunk = o["r"], o["trunk"]
        cv.rect(X(-0.14), X(0.14), Y(trunk + r * 0.5), Y(0), VEGETATION, col((70, 55, 40)))
        rx, ry = r * k, r * 0.85 * k
        hgt, wid = int(2 * ry) + 2, int(2 * rx) + 2
        noise = 0.45 * _patch(_bank()["blot"], o["off"][0], o["off"][1], hgt, wid)
        cv.ellipse(xc, Y(trunk + r * 0.8), rx, ry, VEGETATION, col(o["col"]), noise=noise)


def _blur(img: np.ndarray, amount: float) -> None:
    """Mix a 2x2 box average into `img` (CxHxW float32), in place: a cheap per-scene defocus."""
    acc = img[:, :-1] + img[:, 1:]
    acc = acc[:, :, :-1] + acc[:, :, 1:]
    acc *= amount / 4
    core = img[:, :-1, :-1]
    core *= 1 - amount
    core += acc


def draw(s: dict, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A laid-out scene at (H, W): (image HxWx3 uint8 RGB, label HxW uint8 trainIds).

    The image is computed channel by channel and returned as an HxWx3 view of a 3xHxW array
    (`to_tensor` turns it into a tensor without a copy of the layout).
    """
    h, w = size
    bank = _bank()
    p = _Projector(s, h, w)
    cv = _Canvas(h, w, s["colours"]["sky"])
    shade = np.ones((h, w), np.float32)
    _draw_backdrop(cv, s, p)
    _draw_ground(cv, s, p, shade)
    _draw_side(cv, s, p, -1, shade)
    _draw_side(cv, s, p, 1, shade)
    for o in sorted(s["objects"], key=lambda o: -o["z"]):
        _draw_object(cv, o, p, s)

    light, off = s["light"], s["light"]["offsets"]
    pal = np.clip(np.stack(cv.colours), 0, 255) * (light["gain"] * light["tint"])
    img = np.take(np.ascontiguousarray(pal.T, dtype=np.float32), cv.cid, axis=1)      # 3 x H x W
    # sky brightens towards the horizon; a shared blotchy texture and fine grain on every surface
    horizon_rows = int(min(h, max(0, p.yh)))
    if horizon_rows:
        ramp = 0.85 + 0.25 * (np.arange(horizon_rows, dtype=np.float32) / max(horizon_rows, 1))[:, None]
        top = shade[:horizon_rows]
        np.copyto(top, top * ramp, where=cv.lab[:horizon_rows] == SKY)
    tex = _patch(bank["blot"], off[0], off[1], h, w) * np.float32(light["texture"])
    tex += _patch(bank["fine"], off[2], off[3], h, w) * np.float32(light["grain"])
    tex += 1
    shade *= tex
    img *= shade
    if light["blur"] > 0.02:
        _blur(img, light["blur"])
    if light["noise"] > 0:
        img += _patch(bank["fine3"], off[4], off[5], h, w) * np.float32(light["noise"])
    np.clip(img, 0, 255, out=img)
    return img.astype(np.uint8).transpose(1, 2, 0), cv.lab


def render(seed: int, index: int, size: tuple[int, int], config: SynthConfig | None = None,
           split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Scene `index` of `seed` at `size` = (H, W): (image HxWx3 uint8 RGB, label HxW uint8 trainIds).

    A pure function of (seed, index, split, config): the same arguments give the same pixels, in any
    process. `split` selects an independent stream of scenes (train, val, test).
    """
    h, w = check_size(size)
    cfg = config or SynthConfig()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(index), SPLITS[split]]))
    s = layout(rng, cfg)
    return draw(s, (h, w))


def check_size(size) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ArenaError(f"size {size!r} is not (H, W): pass two positive integers, like (256, 512)") from None
    if h < 8 or w < 8:
        raise ArenaError(f"size {h}x{w} is too small for a street scene: use at least 8x8 (like 256x512)")
    return h, w


# -- the Dataset -----------------------------------------------------------------------------------
try:
    from torch.utils.data import Dataset as _Dataset
except ImportError:  # pragma: no cover - torch is a dependency
    _Dataset = object


class SyntheticScenes(_Dataset):
    """A map-style Dataset: item i is scene (seed, i) of `split`, rendered at `size` = (H, W).

    Returns (image float32 3xHxW, normalised with the ImageNet mean and std; label int64 HxW trainIds).
    `item` may also be an (index, sample_seed) pair from `arena.data.SeededSampler`: the sample seed
    is unused, the scene is already random. `len` is `length`: pick it as large as the samples a run
    draws, so every sample is a fresh scene.
    """
    shuffle_default = False  # scenes are i.i.d.: read them in order, nothing to shuffle

    def __init__(self, length: int, size: tuple[int, int], seed: int = 0, split: str = "train",
                 config: SynthConfig | None = None):
        if split not in SPLITS:
            raise ArenaError(f"synthetic split {split!r} is not one of {', '.join(SPLITS)}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            raise ArenaError(f"synthetic dataset length must be a positive integer, got {length!r}")
        self.length, self.size, self.seed, self.split = length, check_size(size), int(seed), split
        self.config = config or SynthConfig()

    def __len__(self) -> int:
        return self.length

    def scene(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Scene `index` as uint8 arrays (image HxWx3 RGB, label HxW trainIds)."""
        if not 0 <= index < self.length:
            raise IndexError(f"scene {index} is outside 0..{self.length - 1}")
        return render(self.seed, index, self.size, self.config, self.split)

    read = scene

    def __getitem__(self, item):
        import torch

        from arena.data.transforms import to_tensor

        index = item[0] if isinstance(item, tuple) else item
        image, label = self.scene(int(index))
        return to_tensor(image), torch.from_numpy(label.astype(np.int64))


# -- to disk, in the Cityscapes layout -------------------------------------------------------------
def write_cityscapes(out: str | Path, n: int, size: tuple[int, int], seed: int = 0, split: str = "train",
                     config: SynthConfig | None = None, city: str | None = None,
                     on_scene: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write scenes 0..n-1 as leftImg8bit/<split>/<city>/<name>_leftImg8bit.png and
    gtFine/<split>/<city>/<name>_gtFine_labelIds.png (labelIds, as Cityscapes ships them), so that
    `arena.data.cityscapes` reads them back. `<city>` defaults to `synth<seed>`, `<name>` is
    `<city>_<index:06d>_000019`. Returns {"root", "images", "labels", "n", "size", "seed", "split", "config"}.
    """
    from arena.checks import writable_folder
    from arena.data.io import write_png
    from arena.data.labels import TRAIN_TO_LABEL

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ArenaError(f"--n must be a positive number of scenes, got {n!r}")
    if split not in SPLITS:
        raise ArenaError(f"split {split!r} is not one of {', '.join(SPLITS)}")
    h, w = check_size(size)
    cfg = config or SynthConfig()
    root = writable_folder(out, "the dataset")
    city = city or f"synth{seed}"
    images, labels = root / "leftImg8bit" / split / city, root / "gtFine" / split / city
    images.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        image, label = render(seed, i, (h, w), cfg, split)
        name = f"{city}_{i:06d}_000019"
        write_png(images / f"{name}_leftImg8bit.png", image)
        write_png(labels / f"{name}_gtFine_labelIds.png", TRAIN_TO_LABEL[label])
        if on_scene is not None:
            on_scene(i)
    return {"root": str(root), "images": str(images), "labels": str(labels), "n": n, "size": [h, w],
            "seed": seed, "split": split, "config": cfg.asdict()}
