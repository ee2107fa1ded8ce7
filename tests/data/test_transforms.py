"""Train/val pipelines: determinism per seed, nearest labels, ignore padding, the crop rule."""
import numpy as np
import pytest
import torch

from arena.data.transforms import TrainTransform, ValTransform, generator, to_tensor
from arena.errors import ArenaError


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    label = np.repeat(np.repeat(rng.integers(0, 19, (4, 6)), 10, 0), 10, 1).astype(np.uint8)
    return image, label


def test_one_seed_one_crop(pair):
    t = TrainTransform((24, 32))
    a, b = t(*pair, generator(5)), t(*pair, generator(5))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    others = [t(*pair, generator(s)) for s in range(6, 10)]
    assert any(not torch.equal(a[0], o[0]) for o in others)
    assert a[0].shape == (3, 24, 32) and a[0].dtype == torch.float32 and a[1].dtype == torch.int64


def test_labels_are_resized_nearest(pair):
    image, label = pair
    for seed in range(8):
        _, lab = TrainTransform((24, 32), scale=(0.3, 2.5))(image, label, generator(seed))
        assert set(lab.unique().tolist()) <= set(np.unique(label).tolist()) | {255}
    _, lab = ValTransform((17, 23))(image, label)
    assert lab.shape == (17, 23) and set(lab.unique().tolist()) <= set(np.unique(label).tolist())


def test_identity_crop_is_the_source_region(pair):
    """Scale 1, no flip, no jitter: the crop is a plain window of the normalised image and label."""
    image, label = pair
    t = TrainTransform((20, 30), scale=(1, 1), flip=False, jitter=0)
    img, lab = t(image, label, generator(3))
    full, full_lab = to_tensor(image), torch.from_numpy(label.astype(np.int64))
    hits = [(y, x) for y in range(21) for x in range(31)
            if torch.equal(lab, full_lab[y:y + 20, x:x + 30]) and torch.allclose(img, full[:, y:y + 20, x:x + 30], atol=1e-4)]
    assert hits


def test_padding_is_ignore_and_mean(pair):
    image, label = pair
    img, lab = TrainTransform((64, 80), scale=(1, 1), jitter=0)(image, label, generator(0))
    assert (lab[40:] == 255).all() and (lab[:, 60:] == 255).all() and (lab[:40, :60] != 255).all()
    assert (img[:, 40:] == 0).all() and (img[:, :, 60:] == 0).all()


def test_without_padding_the_scale_rises_and_too_large_crops_are_refused(pair):
    image, label = pair
    t = TrainTransform((40, 60), scale=(0.25, 0.5), pad=False)
    for seed in range(4):
        _, lab = t(image, label, generator(seed))
        assert lab.shape == (40, 60) and not (lab == 255).any()
    with pytest.raises(ArenaError, match="crop 48x60 is larger than the image 40x60 of a.png: pass a crop of at most "
                                         r"40x60, or allow padding \(pad=True pads with the ignore label\)"):
        TrainTransform((48, 60), pad=False)(image, label, generator(0), name="a.png")


def test_bad_parameters():
    with pytest.raises(ArenaError, match="crop"):
        TrainTransform((0, 8))
    with pytest.raises(ArenaError, match="scale range"):
        TrainTransform((8, 8), scale=(2, 1))
    with pytest.raises(ArenaError, match="jitter"):
        TrainTransform((8, 8), jitter=1.5)
    assert TrainTransform((8, 8)).asdict() == {"kind": "train", "crop": [8, 8], "scale": [0.5, 2.0], "flip": True,
                                               "jitter": 0.25, "pad": True}
