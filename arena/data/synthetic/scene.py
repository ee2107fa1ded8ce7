"""A laid-out scene: every random number of one street, in metres, before any pixel is drawn.

`street_layout.layout` fills these from the scene's random stream; the drawing only reads them. None
of them depends on the image size, which is why one (seed, index) is one scene at any resolution.
Lateral positions x are metres right of the camera, depths z metres ahead of it, heights metres
above the ground.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.data.synthetic.objects import PlacedObject


@dataclass(frozen=True)
class Camera:
    """A pinhole at `height` over a flat ground, looking along the street."""
    horizon: float     # image row of the horizon, as a fraction of the image height
    focal: float       # focal length, as a fraction of the image width
    centre_x: float    # principal point column, as a fraction of the image width
    height: float      # metres above the ground


@dataclass(frozen=True)
class Street:
    """The ground plan across the street, left to right: terrain, sidewalk, kerb, road, kerb, sidewalk, terrain."""
    depth: float                 # metres to the backdrop that closes the street
    lanes: int
    lane_width: float
    road_left: float             # x of the road's left and right edges
    road_right: float
    kerb_width: float
    sidewalk_left: float         # widths beyond the road edges (the kerbs lie inside them)
    sidewalk_right: float
    terrain_left: float          # 0: no terrain strip on that side
    terrain_right: float
    plane_left: float            # x of the side planes (facades), beyond sidewalk and terrain
    plane_right: float
    dash_period: float           # lane markings: a dash every period metres of depth, on for a fraction of it
    dash_on: float
    line_width: float
    edge_lines: bool             # solid lines along both road edges
    zebra_depth: float | None    # depth of a zebra crossing's near edge, or none
    rails_x: float | None        # x of the centre of a tram track, or none


@dataclass(frozen=True)
class SurfaceColours:
    """The scene's colours of its surfaces (RGB 0..255, before lighting)."""
    sky: np.ndarray
    road: np.ndarray
    sidewalk: np.ndarray
    kerb: np.ndarray
    vegetation: np.ndarray
    terrain: np.ndarray
    paint: np.ndarray            # lane markings and zebra stripes
    rail: np.ndarray


@dataclass(frozen=True)
class SideSegment:
    """A stretch [z_near, z_far) of one side plane: a lower layer from the ground to `lower_top` and
    an optional upper layer above it (what stands behind a wall or a fence), each with a class,
    a colour and a bumpy top (vegetation). Windows are drawn on building layers, the fence pattern
    on fence layers."""
    z_near: float
    z_far: float
    kind: str                    # building, vegetation, wall, fence, fence_building, open
    lower_top: float
    upper_top: float
    lower_class: int
    upper_class: int
    lower_colour: np.ndarray
    upper_colour: np.ndarray
    lower_bumps: float           # metres of height variation along the top edge
    upper_bumps: float
    window_spacing: float        # metres of depth between window columns
    window_width: float          # fraction of the spacing that is glass
    floor_height: float
    window_height: float         # fraction of a floor that is glass
    ground_floor: float          # height of the lowest window band
    window_colour: np.ndarray
    post_spacing: float          # fence posts
    mesh_spacing: float          # fence mesh


@dataclass(frozen=True)
class BackdropBlock:
    """One block of the far skyline, from the previous block's edge to `right_edge` (fraction of the width)."""
    right_edge: float
    cls: int                     # BUILDING or VEGETATION
    height: float
    colour: np.ndarray


@dataclass(frozen=True)
class Shadow:
    """A cast shadow over one side of the street, the ground and that side's plane."""
    side: int                    # -1 left, 1 right
    edge: float                  # where it ends, as a fraction of the way from plane_left to plane_right
    strength: float              # factor on the shaded pixels' brightness


@dataclass(frozen=True)
class Lighting:
    """The photometric finish of the scene (`photometric.finish`)."""
    gain: float
    tint: np.ndarray             # per-channel factor
    texture: float               # strength of the shared blotchy texture
    grain: float                 # strength of the fine grain
    noise: float                 # sensor noise std on the 0..255 scale
    blur: float                  # mix of the blurred image into the image
    offsets: np.ndarray          # 8 fractional offsets into the texture bank


@dataclass(frozen=True)
class Scene:
    camera: Camera
    street: Street
    colours: SurfaceColours
    left: list[SideSegment]      # each side plane, near to far
    right: list[SideSegment]
    backdrop: list[BackdropBlock]
    shadow: Shadow | None
    light: Lighting
    objects: list[PlacedObject]  # in the order they were placed
