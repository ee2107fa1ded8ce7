"""Cityscapes in its official layout: labelIds -> the 19 trainIds, everything else -> 255.

Accepted layout (as the dataset ships, `gtFine_trainvaltest.zip` and `leftImg8bit_trainvaltest.zip`
unpacked into one ROOT):

    ROOT/leftImg8bit/{train,val,test}/<city>/<name>_leftImg8bit.png
    ROOT/gtFine/{train,val,test}/<city>/<name>_gtFine_labelIds.png

Labels are the `labelIds` PNGs (values 0..33); the official table (`arena.data.labels`) maps them to
trainIds 0..18, and every void / ignoreInEval class to 255. 255 in a labelIds file is read as the
license plate (labelId -1, some converters write it so) and maps to 255 too. Any other value is an
error naming the file and the value.
"""
from __future__ import annotations

from pathlib import Path

from arena.data.folder import PairDataset
from arena.data.labels import CITYSCAPES_CLASSES, CITYSCAPES_PALETTE, LABEL_TO_TRAIN
from arena.errors import ArenaError

LAYOUT = ("ROOT/leftImg8bit/{train,val,test}/<city>/<name>_leftImg8bit.png and "
          "ROOT/gtFine/{train,val,test}/<city>/<name>_gtFine_labelIds.png")
SPLITS = ("train", "val", "test")
IMAGE_SUFFIX, LABEL_SUFFIX = "_leftImg8bit.png", "_gtFine_labelIds.png"


def find_pairs(root: str | Path, split: str) -> list[tuple[Path, Path]]:
    """Every (image, labelIds) pair of `split` under `root`, sorted by city and name."""
    if split not in SPLITS:
        raise ArenaError(f"cityscapes split {split!r} is not one of {', '.join(SPLITS)}")
    root = Path(root)
    if not root.is_dir():
        raise ArenaError(f"cityscapes: no folder {root}; expected the official layout {LAYOUT}")
    images_dir, labels_dir = root / "leftImg8bit" / split, root / "gtFine" / split
    for folder in (images_dir, labels_dir):
        if not folder.is_dir():
            raise ArenaError(f"cityscapes: no folder {folder}; expected the official layout {LAYOUT}")
    images = sorted(images_dir.glob(f"*/*{IMAGE_SUFFIX}"))
    if not images:
        raise ArenaError(f"cityscapes: no <city>/*{IMAGE_SUFFIX} under {images_dir}; expected {LAYOUT}")
    pairs = []
    for image in images:
        label = labels_dir / image.parent.name / (image.name[:-len(IMAGE_SUFFIX)] + LABEL_SUFFIX)
        if not label.is_file():
            raise ArenaError(f"cityscapes: image {image} has no label {label}; expected {LAYOUT}")
        pairs.append((image, label))
    return pairs


class CityscapesDataset(PairDataset):
    """Cityscapes `split` under `root`: items are (image float32 3xhxw, label int64 hxw trainIds)."""
    name = "cityscapes"
    classes = CITYSCAPES_CLASSES
    palette = CITYSCAPES_PALETTE
    valid_values = "the Cityscapes labelIds 0..33 (and 255 for the license plate)"

    def __init__(self, root: str | Path, split: str, transform, seed: int = 0):
        self.root, self.split = Path(root), split
        super().__init__(find_pairs(root, split), LABEL_TO_TRAIN, transform, seed)
