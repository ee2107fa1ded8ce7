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

The rooms, in the order a scene goes through them:
    config.py         the knobs (SynthConfig, parse_knobs) and GENERATOR_VERSION
    street_layout.py  layout(): every random draw of a scene, into the dataclasses of scene.py
    placement.py      the objects' draws, one function per kind, into the dataclasses of objects.py
    canvas.py         the label and colour-index maps with their shapes; the camera projection
    background.py     ground, backdrop, side planes
    draw_objects.py   one draw function per kind of object
    photometric.py    lighting, texture, blur and noise: pixels only, never labels
    rendering.py      draw() and render(): one pure function of (seed, index, split, config, size)
    dataset.py        SyntheticScenes, the torch Dataset
    writer.py         write_cityscapes, to disk in the Cityscapes layout
(classes.py, palette.py and textures.py hold the trainIds, colour families and noise bank they share.)
"""
from arena.data.synthetic.config import GENERATOR_VERSION, SynthConfig, parse_knobs
from arena.data.synthetic.dataset import SyntheticScenes
from arena.data.synthetic.rendering import SPLITS, check_size, draw, render
from arena.data.synthetic.scene import Scene
from arena.data.synthetic.street_layout import layout
from arena.data.synthetic.writer import write_cityscapes

__all__ = ["GENERATOR_VERSION", "SPLITS", "Scene", "SynthConfig", "SyntheticScenes", "check_size", "draw", "layout",
           "parse_knobs", "render", "write_cityscapes"]
