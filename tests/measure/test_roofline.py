"""The roofline bound's arithmetic, by hand."""
import pytest

from arena.errors import ArenaError
from arena.measure import roofline


def test_bound_compute_bound_by_hand():
    p = {"flops": 1e12, "bandwidth": 1e11}
    # 5e9 MACs = 1e10 FLOP at 1e12 FLOP/s = 10 ms; 1e8 B at 1e11 B/s = 1 ms
    assert roofline.roofline(5e9, 1e8, p)["ms"] == pytest.approx(10.0)
    r = roofline.roofline(5e9, 1e8, p)
    assert r["limit"] == "compute" and r["memory_ms"] == pytest.approx(1.0)
    assert roofline.efficiency(10.0, 40.0) == pytest.approx(0.25)


def test_bound_memory_bound_by_hand():
    p = {"flops": 1e12, "bandwidth": 1e11}
    # 1e6 MACs = 2e6 FLOP = 0.002 ms; 3e9 B at 1e11 B/s = 30 ms
    assert roofline.roofline(1e6, 3e9, p)["ms"] == pytest.approx(30.0)
    assert roofline.roofline(1e6, 3e9, p)["limit"] == "memory"


def test_bound_needs_the_peak_it_uses():
    p = {"flops": None, "bandwidth": 1e11, "source": "unknown"}
    assert roofline.roofline(0, 1e9, p)["ms"] == pytest.approx(10.0)  # no compute term, no FLOP/s needed
    with pytest.raises(ArenaError, match="calibrate"):
        roofline.roofline(1e6, 1e9, p)
    with pytest.raises(ValueError):
        roofline.efficiency(1.0, 0.0)
