"""The scene behind its objects: the ground, the far backdrop and the two side planes.

Each is drawn over whole image regions at once: per row (ground) or per column (side planes) the
depth where the ray meets the surface, and per pixel only comparisons against bounds.
"""
from __future__ import annotations

import math

import numpy as np

from arena.data.synthetic.canvas import Canvas, Projector
from arena.data.synthetic.classes import BUILDING, FENCE, ROAD, SIDEWALK, TERRAIN, VEGETATION
from arena.data.synthetic.scene import Scene
from arena.data.synthetic.textures import bank


def draw_ground(cv: Canvas, s: Scene, p: Projector, shade: np.ndarray) -> None:
    """Road, kerbs, sidewalks and terrain below the horizon, with their markings; the cast shadow
    goes into `shade` (a brightness factor per pixel)."""
    h, w, c, st = cv.h, cv.w, s.colours, s.street
    y_end = p.yh + p.f * p.cam_h / st.depth
    r0 = min(h, max(0, int(math.ceil(y_end - 0.5))))
    if r0 >= h:
        return
    ys = np.arange(r0, h, dtype=np.float32) + 0.5
    z = (p.f * p.cam_h / np.maximum(ys - p.yh, 1e-3))[:, None]            # depth of each row
    x = (np.arange(w, dtype=np.float32) + 0.5 - p.cx)[None, :] * (z / p.f)  # lateral metres of each pixel
    rl, rr, kerb = st.road_left, st.road_right, st.kerb_width
    lab = np.full(x.shape, TERRAIN, np.uint8)
    cid = np.full(x.shape, cv.colour(c.terrain), np.uint16)
    walk = (x > rl - st.sidewalk_left) & (x < rr + st.sidewalk_right)
    lab[walk] = SIDEWALK
    cid[walk] = cv.colour(c.sidewalk)
    kerbs = ((x > rl - kerb) & (x < rl)) | ((x > rr) & (x < rr + kerb))
    cid[kerbs] = cv.colour(c.kerb)
    road = (x >= rl) & (x <= rr)
    lab[road] = ROAD
    cid[road] = cv.colour(c.road)
    paint = cv.colour(c.paint)
    dashes = (np.mod(z, st.dash_period) < st.dash_on * st.dash_period)
    lines = [(rl + k * st.lane_width, dashes) for k in range(1, st.lanes)]
    if st.edge_lines:
        lines += [(rl + 0.35, True), (rr - 0.35, True)]
    for xk, rows in lines:
        m = np.abs(x - xk) < st.line_width / 2
        cid[m & rows] = paint
    if st.zebra_depth is not None:
        z0 = st.zebra_depth
        rows = (z >= z0) & (z <= z0 + 3.5)
        cid[rows & road & (np.mod(x, 1.0) < 0.5)] = paint
    if st.rails_x is not None:
        steel = cv.colour(c.rail)
        for xk in (st.rails_x - 0.72, st.rails_x + 0.72):
            cid[np.abs(x - xk) < 0.05] = steel
    if s.shadow is not None:
        sh = s.shadow
        edge = (st.plane_left + sh.edge * (st.plane_right - st.plane_left))
        m = (x < edge) if sh.side < 0 else (x > edge)
        shade[r0:][m] *= sh.strength
    cv.lab[r0:] = lab
    cv.cid[r0:] = cid


def draw_backdrop(cv: Canvas, s: Scene, p: Projector) -> None:
    """The skyline that closes the street at its far end: blocks of buildings and trees."""
    h, w, z_end = cv.h, cv.w, s.street.depth
    xs = (np.arange(w, dtype=np.float32) + 0.5) / w
    blocks = s.backdrop
    idx = np.searchsorted(np.array([b.right_edge for b in blocks]), xs)
    idx = np.minimum(idx, len(blocks) - 1)
    heights = np.array([b.height for b in blocks], np.float32)[idx]
    classes = np.array([b.cls for b in blocks], np.uint8)[idx]
    cids = np.array([cv.colour(b.colour if b.cls == BUILDING else s.colours.vegetation * 0.9) for b in blocks],
                    np.uint16)[idx]
    line = bank()["line"]
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


def draw_side(cv: Canvas, s: Scene, p: Projector, side: int, shade: np.ndarray) -> None:
    """One side plane (x = plane_left or plane_right) and its segments, perspective-correct. Per
    column: the depth where the ray meets the plane, and the image rows where its layers (ground to
    lower_top, lower_top to upper_top) start and end; per pixel only comparisons of the row against
    those bounds."""
    h, w = cv.h, cv.w
    plane = s.street.plane_left if side < 0 else s.street.plane_right
    segs = s.left if side < 0 else s.right
    xs = np.arange(w, dtype=np.float32) + 0.5
    dx = xs - p.cx
    with np.errstate(divide="ignore"):
        zc_all = p.f * plane / dx
    cols = np.nonzero((dx * side > 0.5) & (zc_all < s.street.depth))[0]
    if len(cols) == 0:
        return
    a0, a1 = int(cols[0]), int(cols[-1]) + 1
    zc = zc_all[a0:a1]
    k = np.searchsorted(np.array([g.z_far for g in segs]), zc).clip(0, len(segs) - 1)

    def per(field, dtype=np.float32):
        """`field` of the segment each column sees."""
        return np.array([getattr(g, field) for g in segs], dtype)[k]

    line = bank()["line"]
    bump = line[(zc * 3.1).astype(np.int64) % len(line)]
    h1 = per("lower_top") + per("lower_bumps") * bump
    h2 = np.maximum(per("upper_top") + per("upper_bumps") * bump, h1)
    c1, c2 = per("lower_class", np.uint8), per("upper_class", np.uint8)
    col1 = np.array([cv.colour(g.lower_colour) for g in segs], np.uint16)[k]
    col2 = np.array([cv.colour(g.upper_colour) for g in segs], np.uint16)[k]
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
    in_col = (np.abs(np.mod(zc / per("window_spacing"), 1.0) - 0.5) < per("window_width") / 2) & (b1 | b2)
    if in_col.any():
        floor, ground = per("floor_height"), per("ground_floor")
        bottom = np.maximum(np.where(b1, 0.0, h1), ground)
        top = np.where(b1, h1, h2) - 0.6
        inv = 1.0 / floor
        a = np.where(in_col, (p.cam_h - bottom) * inv, -1e6).astype(np.float32)
        b = (zc / p.f * inv).astype(np.float32)
        t = a[None, :] - (ys - p.yh) * b[None, :]            # floors above the window band's bottom
        n = ((top - bottom) * inv).astype(np.float32)
        windows = (t > 0) & (t < n[None, :]) & (t - np.floor(t) < per("window_height")[None, :])
        wcol = np.array([cv.colour(g.window_colour) for g in segs], np.uint16)[k]
        np.copyto(cid, np.broadcast_to(wcol[None, :], shape), where=windows)
    # fences: posts, two rails and a diagonal mesh; between them the darker fill of what lies behind
    fence_cols = c1 == FENCE
    if fence_cols.any():
        yp = p.cam_h - (ys - p.yh) / scale[None, :]
        post, mesh = per("post_spacing"), per("mesh_spacing")
        bars = ((np.mod(zc / post, 1.0) < 0.08)[None, :] | (np.abs(yp - h1[None, :] + 0.08) < 0.06)
                | (np.abs(yp - 0.25) < 0.05) | (np.mod((zc[None, :] + yp) / mesh[None, :], 1.0) < 0.22)
                | (np.mod((zc[None, :] - yp) / mesh[None, :], 1.0) < 0.22))
        behind = cv.colour(s.colours.vegetation * 0.45)
        cid[lower & fence_cols[None, :] & ~bars] = behind
    if s.shadow is not None and s.shadow.side == side:
        region = shade[r0:r1, a0:a1]
        region[lower | upper] *= s.shadow.strength
