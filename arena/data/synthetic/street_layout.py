"""Every random draw of one scene except its objects: camera, street, colours, side planes, lighting.

The order of the draws is the generator: reordering two of them changes every scene after them, so
a change here bumps `GENERATOR_VERSION`.
"""
from __future__ import annotations

import numpy as np

from arena.data.synthetic.classes import BUILDING, FENCE, SKY, VEGETATION, WALL
from arena.data.synthetic.config import SynthConfig
from arena.data.synthetic.palette import CONCRETE, FACADES, VEHICLES, WINDOW_GLASS, choice, mix, pick
from arena.data.synthetic.placement import place_objects
from arena.data.synthetic.scene import (BackdropBlock, Camera, Lighting, Scene, Shadow, SideSegment, Street,
                                        SurfaceColours)

_SEGMENT_KINDS = ("building", "vegetation", "wall", "fence", "fence_building", "open")
_SEGMENT_CUMULATIVE = (0.56, 0.70, 0.80, 0.88, 0.93, 1.0)


def layout(rng: np.random.Generator, cfg: SynthConfig) -> Scene:
    """Every random number of one scene (camera, street, segments, objects, lighting), in metres."""
    ov, li = cfg.texture_overlap, cfg.lighting
    camera = Camera(horizon=rng.uniform(0.36, 0.48), focal=rng.uniform(0.85, 1.15),
                    centre_x=0.5 + rng.uniform(-0.06, 0.06), height=rng.uniform(1.2, 1.6))
    depth = rng.uniform(55, 150)
    lanes = int(rng.choice([2, 2, 3, 4])); lane_w = rng.uniform(2.9, 3.5)
    own = int(rng.integers(lanes))
    rl = -(own + 0.5) * lane_w + rng.uniform(-0.4, 0.4)
    rr = rl + lanes * lane_w
    kerb, sw_l, sw_r = rng.uniform(0.15, 0.3), rng.uniform(1.8, 5.5), rng.uniform(1.8, 5.5)
    ter_l = rng.uniform(1, 6) if rng.random() < 0.35 else 0.0
    ter_r = rng.uniform(1, 6) if rng.random() < 0.35 else 0.0
    colours = _surface_colours(rng, ov)
    left, right = (_side_plane(rng, colours, depth, ov) for _ in range(2))
    backdrop = [BackdropBlock(right_edge=x, cls=BUILDING if rng.random() < 0.65 else VEGETATION,
                              height=rng.uniform(5, 40), colour=pick(rng, FACADES, 20))
                for x in np.sort(rng.uniform(0, 1, 7)).tolist() + [1.0]]
    dash = (rng.uniform(8, 13), rng.uniform(0.3, 0.55), rng.uniform(0.1, 0.16))
    edge_lines = rng.random() < 0.5
    zebra = rng.uniform(7, 30) if rng.random() < 0.25 else None
    rails = rl + lane_w * (int(rng.integers(lanes)) + 0.5) if rng.random() < 0.2 else None
    street = Street(depth=depth, lanes=lanes, lane_width=lane_w, road_left=rl, road_right=rr, kerb_width=kerb,
                    sidewalk_left=sw_l, sidewalk_right=sw_r, terrain_left=ter_l, terrain_right=ter_r,
                    plane_left=rl - sw_l - ter_l, plane_right=rr + sw_r + ter_r,
                    dash_period=dash[0], dash_on=dash[1], line_width=dash[2], edge_lines=edge_lines,
                    zebra_depth=zebra, rails_x=rails)
    shadow = (Shadow(side=-1 if rng.random() < 0.5 else 1, edge=rng.uniform(0.2, 0.8),
                     strength=1 - rng.uniform(0.3, 0.9) * li) if rng.random() < 0.5 else None)
    light = Lighting(gain=rng.uniform(1 - li, 1 + li), tint=1 + rng.uniform(-0.25, 0.25, 3) * li,
                     texture=rng.uniform(0.03, 0.1), grain=rng.uniform(0.02, 0.07),
                     noise=rng.uniform(0.3, 1.0) * cfg.noise * 255, blur=rng.uniform(0, cfg.blur),
                     offsets=rng.uniform(0, 1, 8))
    objects = place_objects(rng, street, colours, cfg.clutter)
    return Scene(camera=camera, street=street, colours=colours, left=left, right=right, backdrop=backdrop,
                 shadow=shadow, light=light, objects=objects)


def _surface_colours(rng: np.random.Generator, overlap: float) -> SurfaceColours:
    """Road and sidewalk: one material, brightness from one distribution (overlap 1), or the
    sidewalk's own reddish paving (overlap 0). Terrain: the vegetation's hue pulled to yellow."""
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
    return SurfaceColours(sky=sky, road=asphalt, sidewalk=mix(own_paving, paving, overlap),
                          kerb=np.clip(paving * rng.uniform(0.7, 1.35), 0, 255), vegetation=veg,
                          terrain=mix(terrain_own, terrain_shared, overlap), paint=np.full(3, rng.uniform(170, 240)),
                          rail=np.full(3, rng.uniform(55, 95)))


def _side_plane(rng: np.random.Generator, colours: SurfaceColours, depth: float, overlap: float) -> list[SideSegment]:
    """The segments of one side plane along the depth, from the camera to the backdrop."""
    segments, z = [], 0.0
    while z < depth:
        u = rng.random(16).tolist()
        kind = choice(u[0], _SEGMENT_KINDS, _SEGMENT_CUMULATIVE)
        length = 8 + 24 * u[1] if kind == "building" else 4 + 14 * u[1]
        facade = pick(rng, FACADES, 18)
        veg = colours.vegetation * (0.75 + 0.45 * u[11])
        lower_top, lower_class, lower_colour, lower_bumps = 0.0, SKY, facade, 0.0
        upper = None                                  # what stands behind a wall or fence, if anything
        if kind == "building":
            lower_top, lower_class = 7 + 23 * u[12], BUILDING
        elif kind == "vegetation":
            lower_top, lower_class, lower_colour, lower_bumps = 2.5 + 9.5 * u[12], VEGETATION, veg, 0.5 + 2 * u[13]
        elif kind == "wall":
            lower_top, lower_class = 0.8 + 2 * u[12], WALL
            lower_colour = mix(pick(rng, CONCRETE, 10), pick(rng, FACADES, 18), overlap)
            if u[14] < 0.8:
                upper = VEGETATION if u[14] < 0.5 else BUILDING
        elif kind in ("fence", "fence_building"):
            lower_top, lower_class = 1.0 + 1.2 * u[12], FENCE
            lower_colour = mix(pick(rng, CONCRETE, 15), pick(rng, VEHICLES, 10), 0.3)
            if kind == "fence_building" or u[14] < 0.7:
                upper = BUILDING if kind == "fence_building" else VEGETATION
        upper_top = lower_top + 2 + 12 * u[15] if upper is not None else 0.0
        segments.append(SideSegment(
            z_near=z, z_far=z + length, kind=kind, lower_top=lower_top, upper_top=upper_top,
            lower_class=lower_class, upper_class=SKY if upper is None else upper,
            lower_colour=lower_colour, upper_colour=veg if upper == VEGETATION else facade,
            lower_bumps=lower_bumps, upper_bumps=2.0 if upper == VEGETATION else 0.0,
            window_spacing=2.4 + 1.8 * u[2], window_width=0.3 + 0.3 * u[3], floor_height=2.8 + 0.8 * u[4],
            window_height=0.35 + 0.25 * u[5], ground_floor=2.5 + 2 * u[6],
            window_colour=mix(WINDOW_GLASS, colours.sky, 0.5 * u[7]) * (0.5 + 0.6 * u[8]),
            post_spacing=1.5 + 1.5 * u[9], mesh_spacing=0.15 + 0.2 * u[10]))
        z += length
    return segments
