"""Where the objects of a scene stand and what they look like: one placing function per kind.

Depths are uniform along the street, so apparent sizes (~ 1/depth) follow a power law,
p(size) ~ size^-2. Each kind's count is Poisson with a rate scaled by the `clutter` knob. The kinds
are placed in a fixed order: it is part of the generator (see `street_layout`).
"""
from __future__ import annotations

import numpy as np

from arena.data.synthetic.objects import Cycle, Person, PlacedObject, Pole, Rider, Sign, TrafficLight, Tree, Vehicle
from arena.data.synthetic.palette import CLOTHES, CONCRETE, FACADES, LIGHT_CASES, SIGNS, SKIN, VEHICLES, mix, pick
from arena.data.synthetic.scene import Street, SurfaceColours


def place_objects(rng: np.random.Generator, street: Street, colours: SurfaceColours,
                  clutter: float) -> list[PlacedObject]:
    """Every object of the scene, in the order the kinds are placed (the drawing sorts by depth)."""
    return (_cars(rng, street, colours, clutter) + _trucks(rng, street, clutter) + _buses(rng, street, clutter)
            + _trams(rng, street, clutter) + _persons(rng, street, clutter) + _riders(rng, street, clutter)
            + _parked_cycles(rng, street, clutter) + _poles(rng, street, clutter)
            + _trees(rng, street, colours, clutter))


def _lane_x(rng: np.random.Generator, st: Street) -> float:
    """Somewhere near the centre of a random lane."""
    return st.road_left + st.lane_width * (int(rng.integers(st.lanes)) + 0.5) + rng.uniform(-0.3, 0.3)


def _parked_x(rng: np.random.Generator, st: Street, half: float) -> float:
    """Against one kerb, for an object `half` metres wide on each side."""
    return st.road_left + half + 0.2 if rng.random() < 0.5 else st.road_right - half - 0.2


def _sidewalk_x(rng: np.random.Generator, st: Street, margin: float = 0.4) -> float:
    """On one sidewalk, at least `margin` from its edges where it is wide enough."""
    if rng.random() < 0.5:
        return st.road_left - st.kerb_width - rng.uniform(margin, max(margin + 0.1, st.sidewalk_left - margin))
    return st.road_right + st.kerb_width + rng.uniform(margin, max(margin + 0.1, st.sidewalk_right - margin))


def _cars(rng, st: Street, colours: SurfaceColours, clutter: float) -> list[Vehicle]:
    cars = []
    for _ in range(rng.poisson(5.5 * clutter)):
        w = rng.uniform(1.65, 1.95)
        parked = rng.random() < 0.45
        z = rng.uniform(4, 60) if parked else rng.uniform(9, 80)
        cars.append(Vehicle(
            kind="car", z=z, x=_parked_x(rng, st, w / 2) if parked else _lane_x(rng, st),
            width=w * (rng.uniform(1, 1.7) if parked else 1), height=rng.uniform(1.35, 1.65),
            colour=pick(rng, VEHICLES, 15),
            glass=np.clip(mix(np.array([35, 40, 50.]), colours.sky, rng.uniform(0, 0.4)), 0, 255)))
    return cars


def _trucks(rng, st: Street, clutter: float) -> list[Vehicle]:
    return [Vehicle(kind="truck", z=rng.uniform(9, 80),
                    x=_lane_x(rng, st) if rng.random() < 0.6 else _parked_x(rng, st, 1.2),
                    width=rng.uniform(2.3, 2.55), height=rng.uniform(2.8, 3.9), colour=pick(rng, VEHICLES, 15),
                    box=pick(rng, np.concatenate([VEHICLES, FACADES]), 15))
            for _ in range(rng.poisson(0.45 * clutter))]


def _buses(rng, st: Street, clutter: float) -> list[Vehicle]:
    return [Vehicle(kind="bus", z=rng.uniform(10, 80), x=_lane_x(rng, st), width=rng.uniform(2.45, 2.6),
                    height=rng.uniform(2.9, 3.4), colour=pick(rng, np.concatenate([VEHICLES, SIGNS]), 15))
            for _ in range(rng.poisson(0.35 * clutter))]


def _trams(rng, st: Street, clutter: float) -> list[Vehicle]:
    """At most one tram (class train), and only on a street with rails."""
    if st.rails_x is None or not rng.random() < 0.75 * min(1.0, clutter + 0.25):
        return []
    return [Vehicle(kind="train", z=rng.uniform(12, 70), x=st.rails_x, width=rng.uniform(2.55, 2.7),
                    height=rng.uniform(3.3, 3.8), colour=pick(rng, np.concatenate([SIGNS, VEHICLES[:3]]), 15))]


def _persons(rng, st: Street, clutter: float) -> list[Person]:
    persons = []
    for _ in range(rng.poisson(4.5 * clutter)):
        crossing = rng.random() < 0.15
        persons.append(Person(
            z=rng.uniform(5, 50), x=rng.uniform(st.road_left, st.road_right) if crossing else _sidewalk_x(rng, st),
            height=rng.uniform(1.5, 1.95), shirt=pick(rng, CLOTHES, 15), legs=pick(rng, CLOTHES, 15),
            skin=pick(rng, SKIN, 8), stride=rng.uniform(-0.12, 0.12), swing=rng.uniform(-0.1, 0.1)))
    return persons


def _riders(rng, st: Street, clutter: float) -> list[Rider]:
    """Mostly along the road edges, some on the sidewalk."""
    riders = []
    for _ in range(rng.poisson(1.1 * clutter)):
        moto = rng.random() < 0.4
        riders.append(Rider(
            z=rng.uniform(5, 50),
            x=((st.road_left + 0.8 if rng.random() < 0.5 else st.road_right - 0.8) if rng.random() < 0.8
               else _sidewalk_x(rng, st)),
            vehicle="motorcycle" if moto else "bicycle", direction=1 if rng.random() < 0.5 else -1,
            colour=pick(rng, VEHICLES, 15), shirt=pick(rng, CLOTHES, 15), legs=pick(rng, CLOTHES, 15),
            skin=pick(rng, SKIN, 8), helmet=pick(rng, VEHICLES, 10)))
    return riders


def _parked_cycles(rng, st: Street, clutter: float) -> list[Cycle]:
    return [Cycle(kind=vehicle, z=rng.uniform(3.5, 45), x=_sidewalk_x(rng, st, 0.5),
                  direction=1 if rng.random() < 0.5 else -1, colour=pick(rng, VEHICLES, 15))
            for vehicle, rate in (("bicycle", 0.9), ("motorcycle", 0.35))
            for _ in range(rng.poisson(rate * clutter))]


def _poles(rng, st: Street, clutter: float) -> list[Pole]:
    """Poles behind the kerbs, bare or with a sign, or a traffic light (some on an arm over the road)."""
    poles = []
    for _ in range(rng.poisson(6 * clutter)):
        side = -1 if rng.random() < 0.5 else 1
        x = (st.road_left - st.kerb_width - rng.uniform(0.2, 0.7) if side < 0
             else st.road_right + st.kerb_width + rng.uniform(0.2, 0.7))
        h = rng.uniform(3, 8)
        z, width = rng.uniform(4, 90), rng.uniform(0.1, 0.25)
        colour = mix(pick(rng, CONCRETE, 12), pick(rng, VEHICLES, 10), 0.3)
        attachments: list[Sign | TrafficLight] = []
        r = rng.random()
        if r < 0.45:
            size = rng.uniform(0.5, 0.9)
            attachments.append(Sign(shape=int(rng.integers(3)), size=size, top=min(h, rng.uniform(2.2, 3.5) + size),
                                    colour=pick(rng, SIGNS, 15), back=rng.random() < 0.2))
        elif r < 0.75:
            arm = rng.uniform(2.5, 5.0) if rng.random() < 0.3 else 0.0
            attachments.append(TrafficLight(top=h - 0.1 if arm else min(h, rng.uniform(2.6, 4.0)), arm=arm * -side,
                                            lit=int(rng.integers(3)), case=pick(rng, LIGHT_CASES, 8)))
            if rng.random() < 0.35:
                size = rng.uniform(0.4, 0.7)
                attachments.append(Sign(shape=int(rng.integers(3)), size=size, top=min(h, rng.uniform(2.0, 2.6)),
                                        colour=pick(rng, SIGNS, 15), back=False))
        poles.append(Pole(z=z, x=x, height=h, width=width, colour=colour, attachments=attachments))
    return poles


def _trees(rng, st: Street, colours: SurfaceColours, clutter: float) -> list[Tree]:
    return [Tree(z=rng.uniform(4, 80), x=_sidewalk_x(rng, st, 0.6), crown=rng.uniform(1.3, 3.2),
                 trunk=rng.uniform(1.8, 4.0), colour=np.clip(colours.vegetation * rng.uniform(0.7, 1.2), 0, 255),
                 texture_offset=rng.uniform(0, 1, 2))
            for _ in range(rng.poisson(2.5 * clutter))]

