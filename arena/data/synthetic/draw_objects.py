"""One draw function per kind of object: shapes in metres around the object's ground contact.

Far objects get a level of detail: below a few pixels per metre a silhouette is all the pixels can
hold. The label of every shape is the object's class, so edges in the label are exact.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from arena.data.synthetic.canvas import Canvas, Projector
from arena.data.synthetic.classes import (BICYCLE, BUS, CAR, LIGHT, MOTORCYCLE, PERSON, POLE, RIDER, ROAD, SIGN,
                                          TRAIN, TRUCK, VEGETATION)
from arena.data.synthetic.objects import Cycle, Person, PlacedObject, Pole, Rider, Sign, TrafficLight, Tree, Vehicle
from arena.data.synthetic.scene import SurfaceColours
from arena.data.synthetic.textures import bank, patch

_TAIL_LIGHT = (170, 20, 20)
_LAMPS = [(220, 30, 20), (235, 170, 20), (40, 210, 90)]


class Anchor(NamedTuple):
    """An object's ground contact in pixels (xc, yb) and its pixels per metre k: a named tuple, one
    per object drawn, built several times faster than a frozen dataclass."""
    xc: float
    yb: float
    k: float

    def x(self, u: float) -> float:
        """Pixel column of `u` metres right of the contact point."""
        return self.xc + u * self.k

    def y(self, v: float) -> float:
        """Pixel row of `v` metres above the ground."""
        return self.yb - v * self.k


def draw_object(cv: Canvas, o: PlacedObject, p: Projector, colours: SurfaceColours) -> None:
    """Draw `o` over what is already on the canvas, unless it is out of the picture."""
    xc, yb, k = p.at(o.x, o.z)
    if xc < -12 * k or xc > cv.w + 12 * k or yb < 0:
        return
    DRAW[o.kind](cv, o, Anchor(xc, yb, k), colours)


# -- vehicles ---------------------------------------------------------------------------------------
def _silhouette_if_far(cv: Canvas, o: Vehicle, a: Anchor, cls: int) -> bool:
    """Far away (under 6 pixels tall): one box, and True."""
    if o.height * a.k >= 6:
        return False
    w = o.width
    colour = o.box if o.box is not None else o.colour
    cv.rect(a.x(-w / 2), a.x(w / 2), a.y(o.height * 0.95), a.y(0), cls, cv.colour(colour))
    return True


def _contact_shadow(cv: Canvas, o: Vehicle, a: Anchor, colours: SurfaceColours) -> None:
    """The dark road under a vehicle (labelled road)."""
    cv.ellipse(a.xc, a.yb, (o.width / 2 + 0.15) * a.k, 0.12 * a.k, ROAD, cv.colour(colours.road * 0.35))


def _tyres(cv: Canvas, o: Vehicle, a: Anchor, cls: int, height: float) -> None:
    tyre = cv.colour((22, 22, 24))
    for u in (-o.width / 2 + 0.05, o.width / 2 - 0.35):
        cv.rect(a.x(u), a.x(u + 0.3), a.y(height), a.y(0), cls, tyre)


def _tail_lights(cv: Canvas, a: Anchor, cls: int, w: float, inner: float, outer: float, top: float,
                 bottom: float) -> None:
    """Two red lights from `inner` to `outer` metres inside the vehicle's sides."""
    red = cv.colour(_TAIL_LIGHT)
    cv.rect(a.x(-w / 2 + inner), a.x(-w / 2 + outer), a.y(top), a.y(bottom), cls, red)
    cv.rect(a.x(w / 2 - outer), a.x(w / 2 - inner), a.y(top), a.y(bottom), cls, red)


def draw_car(cv: Canvas, o: Vehicle, a: Anchor, colours: SurfaceColours) -> None:
    if _silhouette_if_far(cv, o, a, CAR):
        return
    _contact_shadow(cv, o, a, colours)
    _tyres(cv, o, a, CAR, 0.32)
    w, hh, k, body = o.width, o.height, a.k, cv.colour(o.colour)
    cv.rect(a.x(-w / 2), a.x(w / 2), a.y(0.6 * hh), a.y(0.2), CAR, body)
    cv.trapezoid(a.xc, a.y(hh), a.y(0.6 * hh), w / 2 * 0.68 * k, w / 2 * 0.92 * k, CAR, body)
    cv.trapezoid(a.xc, a.y(0.95 * hh), a.y(0.64 * hh), w / 2 * 0.6 * k, w / 2 * 0.8 * k, CAR, cv.colour(o.glass))
    _tail_lights(cv, a, CAR, w, 0.05, 0.3, 0.55 * hh, 0.45 * hh)
    cv.rect(a.x(-0.25), a.x(0.25), a.y(0.42), a.y(0.3), CAR, cv.colour((225, 225, 220)))   # number plate


def draw_truck(cv: Canvas, o: Vehicle, a: Anchor, colours: SurfaceColours) -> None:
    if _silhouette_if_far(cv, o, a, TRUCK):
        return
    _contact_shadow(cv, o, a, colours)
    _tyres(cv, o, a, TRUCK, 0.4)
    w, hh = o.width, o.height
    cv.rect(a.x(-w / 2 + 0.1), a.x(w / 2 - 0.1), a.y(0.7), a.y(0.3), TRUCK, cv.colour((35, 35, 35)))
    cv.rect(a.x(-w / 2), a.x(w / 2), a.y(hh), a.y(0.7), TRUCK, cv.colour(o.box))
    cv.rect(a.x(-0.03), a.x(0.03), a.y(hh - 0.1), a.y(0.8), TRUCK, cv.colour(o.box * 0.6))   # the doors' seam
    _tail_lights(cv, a, TRUCK, w, 0.1, 0.35, 0.6, 0.45)


def draw_bus(cv: Canvas, o: Vehicle, a: Anchor, colours: SurfaceColours) -> None:
    if _silhouette_if_far(cv, o, a, BUS):
        return
    _contact_shadow(cv, o, a, colours)
    _tyres(cv, o, a, BUS, 0.4)
    w, hh = o.width, o.height
    cv.rect(a.x(-w / 2), a.x(w / 2), a.y(hh), a.y(0.3), BUS, cv.colour(o.colour))
    cv.rect(a.x(-w / 2 + 0.15), a.x(w / 2 - 0.15), a.y(hh * 0.92), a.y(hh * 0.55), BUS, cv.colour((25, 30, 38)))
    cv.rect(a.x(-0.6), a.x(0.6), a.y(hh * 0.98), a.y(hh * 0.93), BUS, cv.colour((240, 160, 40)))   # destination
    _tail_lights(cv, a, BUS, w, 0.1, 0.35, 0.8, 0.55)


def draw_tram(cv: Canvas, o: Vehicle, a: Anchor, colours: SurfaceColours) -> None:
    """A tram (class train) with its pantograph."""
    if _silhouette_if_far(cv, o, a, TRAIN):
        return
    _contact_shadow(cv, o, a, colours)
    w, hh, k, body = o.width, o.height, a.k, cv.colour(o.colour)
    cv.rect(a.x(-w / 2), a.x(w / 2), a.y(hh - 0.25), a.y(0.35), TRAIN, body)
    cv.ellipse(a.xc, a.y(hh - 0.25), w / 2 * k, 0.3 * k, TRAIN, body)
    cv.rect(a.x(-w / 2 + 0.15), a.x(w / 2 - 0.15), a.y(hh * 0.85), a.y(hh * 0.5), TRAIN, cv.colour((30, 40, 50)))
    cv.rect(a.x(-w / 2 + 0.1), a.x(w / 2 - 0.1), a.y(0.35), a.y(0.05), TRAIN, cv.colour((45, 45, 45)))
    cv.rect(a.x(-w / 2 + 0.3), a.x(-w / 2 + 0.55), a.y(0.8), a.y(0.65), TRAIN, cv.colour((240, 240, 200)))
    cv.rect(a.x(w / 2 - 0.55), a.x(w / 2 - 0.3), a.y(0.8), a.y(0.65), TRAIN, cv.colour((240, 240, 200)))
    wire = cv.colour((40, 40, 40))
    cv.segment(a.x(-0.5), a.y(hh + 0.05), a.x(0), a.y(hh + 0.9), 0.05 * k, TRAIN, wire)
    cv.segment(a.x(0.5), a.y(hh + 0.05), a.x(0), a.y(hh + 0.9), 0.05 * k, TRAIN, wire)
    cv.segment(a.x(-0.6), a.y(hh + 0.9), a.x(0.6), a.y(hh + 0.9), 0.05 * k, TRAIN, wire)


# -- people and two-wheelers ------------------------------------------------------------------------
def draw_person(cv: Canvas, o: Person, a: Anchor, colours: SurfaceColours) -> None:
    hh, k, shirt, legs = o.height, a.k, cv.colour(o.shirt), cv.colour(o.legs)
    if hh * k < 8:
        cv.rect(a.x(-0.2), a.x(0.2), a.y(hh), a.y(0.5 * hh), PERSON, shirt)
        cv.rect(a.x(-0.15), a.x(0.15), a.y(0.5 * hh), a.y(0), PERSON, legs)
        return
    st, sw = o.stride, o.swing
    hip = a.y(0.5 * hh)
    cv.segment(a.x(-0.08), hip, a.x(-0.1 - st), a.y(0.03), 0.14 * k, PERSON, legs)
    cv.segment(a.x(0.08), hip, a.x(0.1 + st), a.y(0.03), 0.14 * k, PERSON, legs)
    cv.trapezoid(a.xc, a.y(0.82 * hh), hip, 0.21 * k, 0.16 * k, PERSON, shirt)
    cv.segment(a.x(-0.21), a.y(0.8 * hh), a.x(-0.27 - sw), a.y(0.47 * hh), 0.09 * k, PERSON, shirt)
    cv.segment(a.x(0.21), a.y(0.8 * hh), a.x(0.27 + sw), a.y(0.47 * hh), 0.09 * k, PERSON, shirt)
    cv.ellipse(a.xc, a.y(0.91 * hh), 0.1 * k, 0.12 * k, PERSON, cv.colour(o.skin))


def _bicycle(cv: Canvas, a: Anchor, colour: np.ndarray, d: int) -> tuple[float, tuple[float, float]]:
    """Ring wheels and a diamond frame; returns the saddle height and the handlebar (u, v) for a rider."""
    k, frame, tyre = a.k, cv.colour(colour), cv.colour((20, 20, 22))
    r, ax = 0.34, 0.55
    cv.ring(a.x(-ax * d), a.y(r), r * k, 0.05 * k, BICYCLE, tyre)
    cv.ring(a.x(ax * d), a.y(r), r * k, 0.05 * k, BICYCLE, tyre)
    pts = {"rear": (-ax, r), "front": (ax, r), "bb": (0.0, 0.3), "seat": (-0.15, 0.9), "head": (0.4, 0.88)}
    for p, q in (("rear", "bb"), ("rear", "seat"), ("bb", "seat"), ("bb", "head"), ("seat", "head"), ("head", "front")):
        cv.segment(a.x(pts[p][0] * d), a.y(pts[p][1]), a.x(pts[q][0] * d), a.y(pts[q][1]), 0.04 * k, BICYCLE, frame)
    cv.segment(a.x(0.38 * d), a.y(1.0), a.x(0.5 * d), a.y(1.0), 0.04 * k, BICYCLE, frame)
    return 0.95, (0.45, 1.0)


def _motorcycle(cv: Canvas, a: Anchor, colour: np.ndarray, d: int) -> tuple[float, tuple[float, float]]:
    """Solid wheels with hubs, tank and seat, fork and headlight; returns saddle height and handlebar."""
    k, body, tyre = a.k, cv.colour(colour), cv.colour((18, 18, 20))
    r, ax = 0.31, 0.7
    cv.ellipse(a.x(-ax * d), a.y(r), r * k, r * k, MOTORCYCLE, tyre)
    cv.ellipse(a.x(ax * d), a.y(r), r * k, r * k, MOTORCYCLE, tyre)
    cv.ellipse(a.x(-ax * d), a.y(r), 0.12 * k, 0.12 * k, MOTORCYCLE, cv.colour((150, 150, 150)))
    cv.ellipse(a.x(ax * d), a.y(r), 0.12 * k, 0.12 * k, MOTORCYCLE, cv.colour((150, 150, 150)))
    cv.ellipse(a.x(0.0), a.y(0.62), 0.6 * k, 0.24 * k, MOTORCYCLE, body)
    cv.ellipse(a.x(0.15 * d), a.y(0.85), 0.3 * k, 0.13 * k, MOTORCYCLE, body)
    cv.segment(a.x(0.55 * d), a.y(0.95), a.x(ax * d), a.y(r), 0.06 * k, MOTORCYCLE, cv.colour((90, 90, 90)))
    cv.ellipse(a.x(0.62 * d), a.y(0.95), 0.08 * k, 0.08 * k, MOTORCYCLE, cv.colour((235, 235, 210)))
    return 0.85, (0.5, 1.05)


_TWO_WHEELERS = {"bicycle": _bicycle, "motorcycle": _motorcycle}


def _far_two_wheeler(cv: Canvas, a: Anchor, vehicle: str, colour: np.ndarray) -> None:
    cv.rect(a.x(-0.9), a.x(0.9), a.y(0.7), a.y(0), BICYCLE if vehicle == "bicycle" else MOTORCYCLE, cv.colour(colour))


def draw_cycle(cv: Canvas, o: Cycle, a: Anchor, colours: SurfaceColours) -> None:
    """A parked bicycle or motorcycle."""
    if a.k < 5:
        _far_two_wheeler(cv, a, o.kind, o.colour)
        return
    _TWO_WHEELERS[o.kind](cv, a, o.colour, o.direction)


def draw_rider(cv: Canvas, o: Rider, a: Anchor, colours: SurfaceColours) -> None:
    """The vehicle in its own class, the person on it as rider."""
    if a.k < 5:
        _far_two_wheeler(cv, a, o.vehicle, o.colour)
        cv.rect(a.x(-0.2), a.x(0.2), a.y(1.75), a.y(0.8), RIDER, cv.colour(o.shirt))
        return
    d, k = o.direction, a.k
    seat_v, bar = _TWO_WHEELERS[o.vehicle](cv, a, o.colour, d)
    shirt, legs = cv.colour(o.shirt), cv.colour(o.legs)
    hip = (-0.15 * d, seat_v + 0.05)
    shoulder = (0.1 * d, seat_v + 0.6)
    cv.segment(a.x(hip[0]), a.y(hip[1]), a.x(0.08 * d), a.y(seat_v - 0.3), 0.14 * k, RIDER, legs)
    cv.segment(a.x(0.08 * d), a.y(seat_v - 0.3), a.x(0.02 * d), a.y(0.3), 0.12 * k, RIDER, legs)
    cv.segment(a.x(hip[0]), a.y(hip[1]), a.x(shoulder[0]), a.y(shoulder[1]), 0.32 * k, RIDER, shirt)
    cv.segment(a.x(shoulder[0]), a.y(shoulder[1]), a.x(bar[0] * d), a.y(bar[1]), 0.09 * k, RIDER, shirt)
    cv.ellipse(a.x(0.18 * d), a.y(seat_v + 0.8), 0.12 * k, 0.13 * k, RIDER,
               cv.colour(o.helmet if o.vehicle == "motorcycle" else o.skin))


# -- street furniture and trees ---------------------------------------------------------------------
def _sign(cv: Canvas, a: Anchor, sign: Sign, pole_colour: np.ndarray) -> None:
    size, top, k = sign.size, sign.top, a.k
    sc = cv.colour(sign.colour if not sign.back else pole_colour * 0.9)
    cy = a.y(top - size / 2)
    if sign.shape == 0:
        cv.ellipse(a.xc, cy, size / 2 * k, size / 2 * k, SIGN, sc)
        if not sign.back:
            cv.ellipse(a.xc, cy, size / 3 * k, size / 3 * k, SIGN, cv.colour((235, 235, 235)))
    elif sign.shape == 1:
        cv.trapezoid(a.xc, a.y(top), a.y(top - size), 0.0, size / 2 * k, SIGN, sc)
    else:
        cv.rect(a.x(-size / 2), a.x(size / 2), a.y(top), a.y(top - size * 0.75), SIGN, sc)


def _traffic_light(cv: Canvas, a: Anchor, light: TrafficLight, pole_cid: int) -> None:
    """A case with three lamps, one lit; on an arm (labelled pole) when `light.arm` is not 0."""
    ux, k = light.arm, a.k
    if ux:
        cv.segment(a.xc, a.y(light.top), a.x(ux), a.y(light.top), 0.1 * k, POLE, pole_cid)
    top = light.top - (0.1 if ux else 0)
    cv.rect(a.x(ux - 0.17), a.x(ux + 0.17), a.y(top), a.y(top - 0.9), LIGHT, cv.colour(light.case))
    for i in range(3):
        rgb = np.array(_LAMPS[i], np.float32) * (1.0 if i == light.lit else 0.25)
        cv.ellipse(a.x(ux), a.y(top - 0.15 - 0.3 * i), 0.1 * k, 0.1 * k, LIGHT, cv.colour(rgb))


def draw_pole(cv: Canvas, o: Pole, a: Anchor, colours: SurfaceColours) -> None:
    pc = cv.colour(o.colour)
    cv.rect(a.x(-o.width / 2), a.x(o.width / 2), a.y(o.height), a.y(0), POLE, pc)
    for item in o.attachments:
        if isinstance(item, Sign):
            _sign(cv, a, item, o.colour)
        else:
            _traffic_light(cv, a, item, pc)


def draw_tree(cv: Canvas, o: Tree, a: Anchor, colours: SurfaceColours) -> None:
    """A trunk and a crown whose edge is made ragged by the texture bank."""
    r, trunk, k = o.crown, o.trunk, a.k
    cv.rect(a.x(-0.14), a.x(0.14), a.y(trunk + r * 0.5), a.y(0), VEGETATION, cv.colour((70, 55, 40)))
    rx, ry = r * k, r * 0.85 * k
    hgt, wid = int(2 * ry) + 2, int(2 * rx) + 2
    noise = 0.45 * patch(bank()["blot"], o.texture_offset[0], o.texture_offset[1], hgt, wid)
    cv.ellipse(a.xc, a.y(trunk + r * 0.8), rx, ry, VEGETATION, cv.colour(o.colour), noise=noise)


DRAW = {"car": draw_car, "truck": draw_truck, "bus": draw_bus, "train": draw_tram, "person": draw_person,
        "rider": draw_rider, "bicycle": draw_cycle, "motorcycle": draw_cycle, "pole": draw_pole, "tree": draw_tree}
