"""The synthetic scenes' blur is centred: it softens the picture without moving it against its labels.

Expected values are hand computations for a 3x3 box mixed in with weight a: a pixel keeps
(1 - a) of itself and gets a/9 of each pixel of its 3x3 neighbourhood.
"""
import numpy as np
import pytest

from arena.data.synthetic import GENERATOR_VERSION, SynthConfig, render
from arena.data.synthetic.photometric import blur


def blurred(img: np.ndarray, amount: float) -> np.ndarray:
    out = np.array(img, np.float32)
    blur(out, amount)
    return out


@pytest.mark.parametrize("amount", [0.3, 0.6, 1.0])
def test_a_bright_pixel_spreads_evenly_around_itself(amount):
    img = np.zeros((3, 9, 12), np.float32)
    img[:, 4, 5] = 90.0
    out = blurred(img, amount)
    expected = np.zeros((9, 12), np.float32)
    expected[3:6, 4:7] = 90.0 * amount / 9
    expected[4, 5] += 90.0 * (1 - amount)
    for c in range(3):
        np.testing.assert_allclose(out[c], expected, rtol=1e-6, atol=1e-6)
    # the spot's centroid stays on its pixel, its brightness is kept
    ys, xs = np.mgrid[0:9, 0:12]
    assert out[0].sum() == pytest.approx(90.0, rel=1e-6)
    assert (ys * out[0]).sum() / out[0].sum() == pytest.approx(4.0, abs=1e-6)
    assert (xs * out[0]).sum() / out[0].sum() == pytest.approx(5.0, abs=1e-6)


def test_a_symmetric_picture_stays_symmetric():
    """Mirror-symmetric about its centre row and column before, so after: nothing drifts."""
    rng = np.random.default_rng(0)
    quarter = rng.uniform(0, 255, (3, 6, 8)).astype(np.float32)
    top = np.concatenate([quarter, quarter[:, :, ::-1]], axis=2)
    img = np.concatenate([top, top[:, ::-1]], axis=1)              # 3 x 12 x 16, symmetric both ways
    out = blurred(img, 0.6)
    np.testing.assert_allclose(out, out[:, ::-1], rtol=1e-5)
    np.testing.assert_allclose(out, out[:, :, ::-1], rtol=1e-5)


@pytest.mark.parametrize("edge", [0, 1, 5, 10])   # 0 and 10: the edge next to the image border
def test_an_edge_keeps_its_half_way_crossing_where_the_label_edge_is(edge):
    """A step from 0 to 1 between columns `edge` and `edge + 1` of a 12-wide picture: the two
    pixels beside it become a/3 and 1 - a/3 (their mean 1/2, so the crossing stays on the edge);
    every other pixel keeps its value."""
    a = 0.6
    img = np.zeros((1, 8, 12), np.float32)
    img[:, :, edge + 1:] = 1.0
    out = blurred(img, a)[0]
    expected = img[0].copy()
    expected[:, edge] = a / 3
    expected[:, edge + 1] = 1 - a / 3
    np.testing.assert_allclose(out, expected, atol=1e-6)
    # the same across rows
    out_rows = blurred(img.transpose(0, 2, 1), a)[0]
    np.testing.assert_allclose(out_rows, expected.T, atol=1e-6)


def test_a_flat_picture_stays_flat_up_to_its_border():
    out = blurred(np.full((3, 7, 9), 123.0, np.float32), 1.0)
    np.testing.assert_allclose(out, 123.0, rtol=1e-6)


def test_blur_changes_pixels_of_the_new_generator_only():
    """The labels do not depend on the blur knob; the version records the change of the pixels."""
    assert GENERATOR_VERSION == 2 and SynthConfig().version == 2
    sharp_img, sharp_lab = render(0, 1, (64, 128), SynthConfig(blur=0.0, noise=0.0))
    soft_img, soft_lab = render(0, 1, (64, 128), SynthConfig(blur=1.0, noise=0.0))
    assert np.array_equal(sharp_lab, soft_lab) and not np.array_equal(sharp_img, soft_img)


@pytest.mark.parametrize("shape", [(3, 256, 512), (3, 97, 131), (1, 8, 9), (3, 1, 5), (2, 6, 1)])
def test_box3_is_scipys_reflected_box_to_the_bit(shape):
    """The written-out box (photometric.box3) gives the very float32 numbers of scipy's
    uniform_filter with mode "reflect", which generator v2 drew with: scenes stay as they were."""
    from scipy.ndimage import uniform_filter

    from arena.data.synthetic.photometric import box3

    rng = np.random.default_rng(sum(shape))
    img = (rng.random(shape, dtype=np.float32) * 300).astype(np.float32)
    img[..., : shape[-1] // 3] *= np.float32(1e-4)          # small values beside large ones
    expected = uniform_filter(img, size=(1, 3, 3), mode="reflect")
    got = box3(img)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    assert np.array_equal(box3(img), expected)              # the kept buffers leave nothing behind
