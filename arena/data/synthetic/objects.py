"""The objects placed along a street, one dataclass per kind of object, in metres.

`kind` names the draw function (`draw_objects.DRAW`); `z` and `x` place the object's ground contact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

import numpy as np


@dataclass(frozen=True)
class Vehicle:
    """A car, truck, bus or tram (train)."""
    kind: str
    z: float
    x: float
    width: float
    height: float
    colour: np.ndarray
    glass: np.ndarray | None = None   # cars: the windscreen
    box: np.ndarray | None = None     # trucks: the cargo box


@dataclass(frozen=True)
class Person:
    kind: ClassVar[str] = "person"
    z: float
    x: float
    height: float
    shirt: np.ndarray
    legs: np.ndarray
    skin: np.ndarray
    stride: float                     # metres the feet are apart along x
    swing: float                      # metres the hands swing out


@dataclass(frozen=True)
class Rider:
    """A person on a bicycle or motorcycle; the vehicle is drawn under them, in their class."""
    kind: ClassVar[str] = "rider"
    z: float
    x: float
    vehicle: str                      # bicycle or motorcycle
    direction: int                    # -1 facing left, 1 facing right
    colour: np.ndarray                # the vehicle's
    shirt: np.ndarray
    legs: np.ndarray
    skin: np.ndarray
    helmet: np.ndarray


@dataclass(frozen=True)
class Cycle:
    """A parked bicycle or motorcycle."""
    kind: str
    z: float
    x: float
    direction: int
    colour: np.ndarray


@dataclass(frozen=True)
class Sign:
    shape: int                        # 0 round, 1 triangular, 2 rectangular
    size: float
    top: float                        # height of the top edge
    colour: np.ndarray
    back: bool                        # seen from behind: the grey back


@dataclass(frozen=True)
class TrafficLight:
    top: float
    arm: float                        # x offset of the light on an arm over the road, 0 on the pole
    lit: int                          # 0 red, 1 amber, 2 green
    case: np.ndarray


@dataclass(frozen=True)
class Pole:
    kind: ClassVar[str] = "pole"
    z: float
    x: float
    height: float
    width: float
    colour: np.ndarray
    attachments: list[Sign | TrafficLight]


@dataclass(frozen=True)
class Tree:
    kind: ClassVar[str] = "tree"
    z: float
    x: float
    crown: float                      # crown radius
    trunk: float                      # trunk height
    colour: np.ndarray
    texture_offset: np.ndarray        # where the crown's ragged edge reads the texture bank


PlacedObject = Union[Vehicle, Person, Rider, Cycle, Pole, Tree]
