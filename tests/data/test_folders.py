"""Cityscapes and CamVid loaders on tiny trees: id mapping, ignore, 720x960, and every bad input in one line."""
import numpy as np
import pytest

from arena.data import open_dataset, open_folder
from arena.data.cityscapes import CityscapesDataset
from arena.data.io import write_png
from arena.data.transforms import ValTransform
from arena.errors import ArenaError
from tests.data.conftest import CITYSCAPES_TRAIN, camvid_tree, cityscapes_tree


def test_cityscapes_maps_label_ids_to_train_ids(cityscapes_root):
    ds = CityscapesDataset(cityscapes_root, "train", ValTransform())
    assert len(ds) == 4 and ds.pairs[0][0].name == "aachen_000000_000019_leftImg8bit.png"
    image, label = ds.read(0)
    assert image.shape == (8, 16, 3) and np.array_equal(label, CITYSCAPES_TRAIN)
    x, y = ds[0]
    assert x.shape == (3, 8, 16) and y.dtype.is_floating_point is False
    assert np.array_equal(y.numpy(), CITYSCAPES_TRAIN)


def test_cityscapes_open_dataset_train_and_description(cityscapes_root):
    ds, desc = open_dataset(f"cityscapes:{cityscapes_root}", "train", crop=(8, 8), seed=1)
    image, label = ds[(2, 99)]
    assert image.shape == (3, 8, 8) and label.shape == (8, 8)
    assert set(np.unique(label.numpy()).tolist()) <= set(np.unique(CITYSCAPES_TRAIN).tolist())
    assert desc["name"] == "cityscapes" and desc["classes"] == 19 and desc["ignore_index"] == 255
    assert desc["size"] == 4 and desc["resolution"] == [8, 16] and desc["config"]["crop"] == [8, 8]
    assert desc["root"] == str(cityscapes_root.resolve())


def test_cityscapes_missing_folder_shows_the_layout(tmp_path):
    (tmp_path / "leftImg8bit" / "train").mkdir(parents=True)
    with pytest.raises(ArenaError) as e:
        open_dataset(f"cityscapes:{tmp_path}", "train", crop=(8, 8))
    message = str(e.value)
    assert "\n" not in message and f"no folder {tmp_path / 'gtFine' / 'train'}" in message
    assert "ROOT/leftImg8bit/{train,val,test}/<city>/<name>_leftImg8bit.png" in message
    assert "ROOT/gtFine/{train,val,test}/<city>/<name>_gtFine_labelIds.png" in message


def test_cityscapes_missing_label_names_the_image(cityscapes_root):
    label = cityscapes_root / "gtFine" / "val" / "bonn" / "bonn_000001_000019_gtFine_labelIds.png"
    label.unlink()
    with pytest.raises(ArenaError, match="bonn_000001_000019_leftImg8bit.png has no label .*bonn_000001_000019_gtFine"):
        open_folder(f"cityscapes:{cityscapes_root}", "val")


def test_label_value_out_of_range_names_file_and_value(tmp_path):
    bad = np.full((8, 16), 7, np.uint8)
    bad[3, 4] = 40
    root = cityscapes_tree(tmp_path / "cs", splits=("train",), cities=("ulm",), per_city=1, label=bad)
    ds = open_folder(f"cityscapes:{root}", "train")
    with pytest.raises(ArenaError) as e:
        ds[0]
    assert str(e.value) == (f"label {ds.pairs[0][1]} holds value 40, outside the Cityscapes labelIds 0..33 "
                            "(and 255 for the license plate)")


def test_image_and_label_of_different_sizes_names_the_file(cityscapes_root):
    label = cityscapes_root / "gtFine" / "train" / "aachen" / "aachen_000001_000019_gtFine_labelIds.png"
    write_png(label, np.zeros((4, 16), np.uint8))
    ds = open_folder(f"cityscapes:{cityscapes_root}", "train")
    ds.read(0)
    with pytest.raises(ArenaError, match=f"label {label} is 4x16 but its image aachen_000001_000019_leftImg8bit.png "
                                         "is 8x16: image and label must have the same size"):
        ds.read(1)


def test_camvid_void_is_ignore_and_indices_pass_through(camvid_root):
    ds, desc = open_dataset(f"camvid:{camvid_root}", "val")
    image, label = ds[0]
    expected = (np.arange(12 * 16).reshape(12, 16) % 12)
    expected[expected == 11] = 255
    assert image.shape == (3, 12, 16) and np.array_equal(label.numpy(), expected)
    assert desc["classes"] == 11 and desc["class_names"][3] == "road" and desc["variant"] == "12x16"
    assert len(open_dataset(f"camvid:{camvid_root}", "test")[0]) == 3


def test_camvid_720x960_variant(tmp_path):
    root = camvid_tree(tmp_path / "camvid720", size=(720, 960), n=1, splits=("train",))
    ds, desc = open_dataset(f"camvid:{root}", "train", crop=(360, 480), seed=0)
    assert desc["variant"] == "720x960" and desc["resolution"] == [720, 960]
    image, label = ds[(0, 7)]
    assert image.shape == (3, 360, 480) and label.shape == (360, 480)
    assert set(np.unique(label.numpy()).tolist()) <= set(range(11)) | {255}


def test_camvid_bad_inputs(tmp_path, camvid_root):
    with pytest.raises(ArenaError, match=r"camvid: no folder .*trainannot; expected ROOT/\{train,val,test\}/\*\.png "
                                         r"with labels of the same name in ROOT/\{train,val,test\}annot/"):
        (camvid_root / "trainannot" / "0001TP_000000.png").unlink()
        for p in (camvid_root / "trainannot").iterdir():
            p.unlink()
        (camvid_root / "trainannot").rmdir()
        open_dataset(f"camvid:{camvid_root}", "train", crop=(8, 8))
    write_png(camvid_root / "valannot" / "0001TP_000001.png", np.full((12, 16), 12, np.uint8))
    ds = open_folder(f"camvid:{camvid_root}", "val")
    with pytest.raises(ArenaError, match=r"0001TP_000001.png holds value 12, outside the CamVid classes 0..10"):
        ds.read(1)


def test_crop_larger_than_the_image(cityscapes_root):
    """Padding on (default): padded with ignore. Padding off: one line naming sizes and file, up front."""
    ds, _ = open_dataset(f"cityscapes:{cityscapes_root}", "train", crop=(12, 20), scale=(1, 1), jitter=0)
    image, label = ds[(0, 1)]
    assert image.shape == (3, 12, 20) and (label[8:] == 255).all() and (label[:, 16:] == 255).all()
    assert (image[:, 8:] == 0).all()
    with pytest.raises(ArenaError) as e:
        open_dataset(f"cityscapes:{cityscapes_root}", "train", crop=(12, 20), pad=False)
    assert str(e.value).startswith("crop 12x20 is larger than the image 8x16 of ")
    assert "aachen_000000_000019_leftImg8bit.png: pass a crop of at most 8x16, or allow padding" in str(e.value)


def test_bad_specs():
    for spec, message in (("imagenet", "unknown dataset 'imagenet': use synthetic"),
                          ("cityscapes", "needs its folder: write cityscapes:PATH"),
                          ("synthetic:noise=9", "noise=9.0 is out of range")):
        with pytest.raises(ArenaError, match=message):
            open_dataset(spec, "train", crop=(8, 8))
