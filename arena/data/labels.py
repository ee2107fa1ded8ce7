"""Class tables: Cityscapes (labelIds, trainIds, palette) and CamVid (the 11-class SegNet layout).

Facts, not code: the Cityscapes table is the official one of cityscapesScripts' `labels.py`
(name, labelId, trainId, colour); every class with `ignoreInEval` and the license plate (labelId -1)
map to trainId 255, the ignore index used everywhere in arena. The CamVid table is SegNet's
11-class layout (class indices 0..10, 11 = void) with SegNet's colours.
"""
from __future__ import annotations

import numpy as np

IGNORE = 255

# (name, labelId, trainId, colour) -- the official Cityscapes table.
CITYSCAPES_LABELS: tuple[tuple[str, int, int, tuple[int, int, int]], ...] = (
    ("unlabeled", 0, 255, (0, 0, 0)),
    ("ego vehicle", 1, 255, (0, 0, 0)),
    ("rectification border", 2, 255, (0, 0, 0)),
    ("out of roi", 3, 255, (0, 0, 0)),
    ("static", 4, 255, (0, 0, 0)),
    ("dynamic", 5, 255, (111, 74, 0)),
    ("ground", 6, 255, (81, 0, 81)),
    ("road", 7, 0, (128, 64, 128)),
    ("sidewalk", 8, 1, (244, 35, 232)),
    ("parking", 9, 255, (250, 170, 160)),
    ("rail track", 10, 255, (230, 150, 140)),
    ("building", 11, 2, (70, 70, 70)),
    ("wall", 12, 3, (102, 102, 156)),
    ("fence", 13, 4, (190, 153, 153)),
    ("guard rail", 14, 255, (180, 165, 180)),
    ("bridge", 15, 255, (150, 100, 100)),
    ("tunnel", 16, 255, (150, 120, 90)),
    ("pole", 17, 5, (153, 153, 153)),
    ("polegroup", 18, 255, (153, 153, 153)),
    ("traffic light", 19, 6, (250, 170, 30)),
    ("traffic sign", 20, 7, (220, 220, 0)),
    ("vegetation", 21, 8, (107, 142, 35)),
    ("terrain", 22, 9, (152, 251, 152)),
    ("sky", 23, 10, (70, 130, 180)),
    ("person", 24, 11, (220, 20, 60)),
    ("rider", 25, 12, (255, 0, 0)),
    ("car", 26, 13, (0, 0, 142)),
    ("truck", 27, 14, (0, 0, 70)),
    ("bus", 28, 15, (0, 60, 100)),
    ("caravan", 29, 255, (0, 0, 90)),
    ("trailer", 30, 255, (0, 0, 110)),
    ("train", 31, 16, (0, 80, 100)),
    ("motorcycle", 32, 17, (0, 0, 230)),
    ("bicycle", 33, 18, (119, 11, 32)),
    ("license plate", -1, 255, (0, 0, 142)),
)

CITYSCAPES_CLASSES: tuple[str, ...] = tuple(
    name for name, _, train_id, _ in sorted((r for r in CITYSCAPES_LABELS if r[2] != IGNORE), key=lambda r: r[2]))
CITYSCAPES_PALETTE: np.ndarray = np.array(
    [colour for _, _, train_id, colour in sorted((r for r in CITYSCAPES_LABELS if r[2] != IGNORE),
                                                 key=lambda r: r[2])], dtype=np.uint8)
TRAIN_ID = {name: i for i, name in enumerate(CITYSCAPES_CLASSES)}  # "road" -> 0, ... "bicycle" -> 18
MAX_LABEL_ID = 33


def _label_to_train() -> np.ndarray:
    """256-entry lookup labelId -> trainId; -1 marks a value that is not a Cityscapes labelId.

    255 is accepted as ignore: the license plate (labelId -1) is written as 255 by some converters.
    """
    lut = np.full(256, -1, dtype=np.int16)
    for _, label_id, train_id, _ in CITYSCAPES_LABELS:
        if label_id >= 0:
            lut[label_id] = train_id
    lut[255] = IGNORE
    return lut


LABEL_TO_TRAIN: np.ndarray = _label_to_train()
# trainId -> labelId (255, ignore, -> 0 "unlabeled"): what `arena data synth` writes.
TRAIN_TO_LABEL: np.ndarray = np.zeros(256, dtype=np.uint8)
for _name, _label_id, _train_id, _ in CITYSCAPES_LABELS:
    if _train_id != IGNORE:
        TRAIN_TO_LABEL[_train_id] = _label_id

# CamVid, SegNet's 11 classes (index 11 is void).
CAMVID_CLASSES: tuple[str, ...] = ("sky", "building", "pole", "road", "pavement", "tree", "sign symbol",
                                   "fence", "car", "pedestrian", "bicyclist")
CAMVID_PALETTE: np.ndarray = np.array(
    [(128, 128, 128), (128, 0, 0), (192, 192, 128), (128, 64, 128), (60, 40, 222), (128, 128, 0),
     (192, 128, 128), (64, 64, 128), (64, 0, 128), (64, 64, 0), (0, 128, 192)], dtype=np.uint8)
CAMVID_VOID = 11


def _camvid_lut() -> np.ndarray:
    lut = np.full(256, -1, dtype=np.int16)
    lut[:11] = np.arange(11)
    lut[CAMVID_VOID] = IGNORE
    lut[255] = IGNORE
    return lut


CAMVID_LUT: np.ndarray = _camvid_lut()


def colorize(label: np.ndarray, palette: np.ndarray = CITYSCAPES_PALETTE,
             ignore_colour: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """An HxW array of class indices as an HxWx3 uint8 image in `palette` (ignore and unknown: black)."""
    table = np.zeros((256, 3), dtype=np.uint8)
    table[:] = ignore_colour
    table[:len(palette)] = palette
    return table[np.asarray(label).astype(np.int64).clip(0, 255)]
