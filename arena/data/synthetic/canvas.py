"""The surface a scene is drawn on, and the camera projection from metres to its pixels."""
from __future__ import annotations

import numpy as np

from arena.data.synthetic.classes import SKY
from arena.data.synthetic.scene import Camera


class Canvas:
    """A label map and a colour-index map (colours gathered once at the end), with vectorised primitives
    over bounding boxes. Boxes are rounded to pixels and keep at least one pixel in each direction,
    so thin and far objects (poles, wheels) never vanish."""

    def __init__(self, h: int, w: int, sky: np.ndarray):
        self.h, self.w = h, w
        self.lab = np.full((h, w), SKY, np.uint8)
        self.cid = np.zeros((h, w), np.uint16)
        self.centres_x = np.arange(w, dtype=np.float32) + 0.5     # pixel centres, sliced by `_grid`
        self.centres_y = np.arange(h, dtype=np.float32) + 0.5
        self.centres_x.flags.writeable = self.centres_y.flags.writeable = False   # shared by every box
        self.colours: list = [sky]    # RGB triples, made one float32 K x 3 array by `palette()`

    def colour(self, rgb) -> int:
        """The index of a new palette entry `rgb` (what the colour-index map holds)."""
        self.colours.append(rgb)
        return len(self.colours) - 1

    def palette(self) -> np.ndarray:
        """The entries so far as a K x 3 float32 array (converted once, not per entry: a scene adds
        about 140)."""
        return np.array(self.colours, np.float32)

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

    def _grid(self, b):
        """Pixel-centre coordinates of a box: x 1 x W, y H x 1."""
        ix0, ix1, iy0, iy1 = b
        return self.centres_x[None, ix0:ix1], self.centres_y[iy0:iy1, None]

    def rect(self, x0, x1, y0, y1, cls, cid):
        b = self.box(x0, x1, y0, y1)
        if b:
            self._put(b, None, cls, cid)

    def ellipse(self, cx, cy, rx, ry, cls, cid, noise: np.ndarray | None = None):
        """`noise` (added to the normalised radius) makes the edge ragged: tree crowns."""
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
        """A line from (xa, ya) to (xb, yb), `t` pixels thick, with round ends."""
        t = max(t, 0.9)
        b = self.box(min(xa, xb) - t / 2, max(xa, xb) + t / 2, min(ya, yb) - t / 2, max(ya, yb) + t / 2)
        if b:
            x, y = self._grid(b)
            dx, dy = xb - xa, yb - ya
            k = np.minimum(np.maximum(((x - xa) * dx + (y - ya) * dy) / max(dx * dx + dy * dy, 1e-6), 0), 1)
            self._put(b, (x - xa - k * dx) ** 2 + (y - ya - k * dy) ** 2 <= (t / 2) ** 2, cls, cid)

    def trapezoid(self, cx, y_top, y_bot, half_top, half_bot, cls, cid):
        b = self.box(cx - max(half_top, half_bot), cx + max(half_top, half_bot), y_top, y_bot)
        if b:
            x, y = self._grid(b)
            f = np.minimum(np.maximum((y - y_top) / max(y_bot - y_top, 1e-6), 0), 1)
            self._put(b, np.abs(x - cx) <= half_top + (half_bot - half_top) * f + 0.5, cls, cid)


class Projector:
    """Metres on the ground (x lateral, z depth, v height) -> pixels."""

    def __init__(self, camera: Camera, h: int, w: int):
        self.f = camera.focal * w
        self.yh = camera.horizon * h
        self.cx = camera.centre_x * w
        self.cam_h = camera.height

    def at(self, x: float, z: float):
        """(pixel x of the point, pixel y of its ground contact, pixels per metre at that depth)."""
        k = self.f / z
        return self.cx + x * k, self.yh + self.cam_h * k, k
