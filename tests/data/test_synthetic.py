"""The synthetic street scenes: determinism, every class present, Cityscapes-like frequencies, knobs."""
import numpy as np
import pytest
import torch

from arena.data import SynthConfig, SyntheticScenes, render
from arena.data.labels import CITYSCAPES_CLASSES, TRAIN_ID
from arena.data.synthetic import parse_knobs
from arena.data.transforms import MEAN, STD, denormalize, to_tensor
from arena.errors import ArenaError


@pytest.fixture(scope="module")
def batch():
    """32 scenes at 128x256: about 0.1 s, and every class appears in it."""
    return [render(0, i, (128, 256)) for i in range(32)]


def test_same_seed_and_index_same_pixels():
    a_img, a_lab = render(3, 5, (64, 128))
    b_img, b_lab = render(3, 5, (64, 128))
    assert a_img.dtype == np.uint8 and a_img.shape == (64, 128, 3) and a_lab.shape == (64, 128)
    assert np.array_equal(a_img, b_img) and np.array_equal(a_lab, b_lab)


def test_another_index_seed_or_split_is_another_scene():
    _, lab = render(3, 5, (64, 128))
    for other in (render(3, 6, (64, 128)), render(4, 5, (64, 128)), render(3, 5, (64, 128), split="val")):
        assert (other[1] != lab).mean() > 0.05


def test_one_scene_at_any_resolution():
    """The layout does not depend on the resolution: the small label is the big one, downsampled."""
    _, small = render(1, 2, (64, 128))
    _, big = render(1, 2, (128, 256))
    assert (big[::2, ::2] == small).mean() > 0.9


def test_every_class_appears_across_a_small_batch(batch):
    seen = set()
    for _, lab in batch:
        seen |= set(np.unique(lab).tolist())
    assert seen == set(range(19)), f"missing: {[CITYSCAPES_CLASSES[c] for c in set(range(19)) - seen]}"


def test_class_frequencies_are_cityscapes_like(batch):
    counts = np.bincount(np.concatenate([lab.ravel() for _, lab in batch]), minlength=19)[:19]
    order = [CITYSCAPES_CLASSES[c] for c in np.argsort(-counts)]
    assert set(order[:2]) == {"road", "building"}, order
    assert {"vegetation", "sidewalk", "car"} <= set(order[:6]) and "sky" in order[:7], order
    freq = counts / counts.sum()
    for rare in ("rider", "motorcycle", "bicycle", "train", "bus", "traffic light"):
        assert 0 < freq[TRAIN_ID[rare]] < 0.015, (rare, freq[TRAIN_ID[rare]])
    assert freq[TRAIN_ID["road"]] > 0.2


def test_object_sizes_follow_a_power_law():
    """Uniform depth along the street: apparent size s ~ 1/depth, so p(s) ~ s^-2 and each octave of
    sizes holds about half the objects of the octave below it."""
    from arena.data.synthetic import layout

    depths = np.array([o.z for i in range(300)
                       for o in layout(np.random.default_rng(np.random.SeedSequence([0, i, 0])), SynthConfig()).objects
                       if o.kind in ("car", "person", "pole")])
    size = 1 / depths
    octaves = [((size >= a) & (size < 2 * a)).sum() for a in (1 / 40, 1 / 20, 1 / 10)]
    assert all(1.5 < octaves[i] / octaves[i + 1] < 2.7 for i in range(2)), octaves


def test_dataset_items_are_normalised_tensors():
    ds = SyntheticScenes(10, (32, 64), seed=1)
    image, label = ds[3]
    assert image.dtype == torch.float32 and image.shape == (3, 32, 64)
    assert label.dtype == torch.int64 and label.shape == (32, 64) and int(label.max()) < 19
    raw, raw_label = ds.scene(3)
    assert torch.equal(label, torch.from_numpy(raw_label.astype(np.int64)))
    manual = (torch.from_numpy(raw).permute(2, 0, 1).float() / 255 - torch.tensor(MEAN).view(3, 1, 1)) \
        / torch.tensor(STD).view(3, 1, 1)
    assert torch.allclose(image, manual, atol=1e-5)
    assert np.array_equal(denormalize(to_tensor(raw)), raw)
    assert ds[(3, 12345)][1].equal(label)            # a sampler's (index, seed) pair: the seed is unused
    with pytest.raises(IndexError):
        ds.scene(10)


def test_knobs_change_the_pictures_not_the_layout():
    base_img, base_lab = render(0, 1, (64, 128))
    img, lab = render(0, 1, (64, 128), SynthConfig(noise=0.2, blur=1.0))
    assert np.array_equal(lab, base_lab) and not np.array_equal(img, base_img)
    _, empty = render(0, 1, (64, 128), SynthConfig(clutter=0))
    assert not set(np.unique(empty).tolist()) & {11, 12, 13, 14, 15, 16, 17, 18}


def test_config_is_frozen_recorded_and_checked():
    cfg = parse_knobs("noise=0.08, clutter=2")
    assert cfg.asdict() == {"texture_overlap": 0.8, "noise": 0.08, "blur": 0.6, "clutter": 2.0, "lighting": 0.35,
                            "version": 2}
    with pytest.raises(Exception):
        cfg.noise = 0.1
    with pytest.raises(ArenaError, match=r"noise=2 is out of range: use a number in \[0, 0.5\]"):
        SynthConfig(noise=2)
    with pytest.raises(ArenaError, match="not KEY=NUMBER"):
        parse_knobs("nosie=0.1")
    with pytest.raises(ArenaError, match="is not a number"):
        parse_knobs("noise=lots")
    with pytest.raises(ArenaError, match="too small"):
        render(0, 0, (4, 4))
