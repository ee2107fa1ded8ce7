"""A network's roofline bound at a dtype (issue 27): the arithmetic by hand, the bytes of the profile
against the tensors `--by-node` captures, and the column every bench row carries."""
import pytest

from arena.measure import bench
from arena.measure.bench import Case, Protocol
from arena.measure.network_bound import network_bound
from arena.measure.profile import WRAPPER, profile

RES = (64, 128)
TINY = dict(threads=1, iters=3, warmup_min=1, warmup_max=2, warmup_window=1)


def _node(macs, in_bytes, out_bytes, params, aux=None):
    return {"macs": macs, "in_bytes": in_bytes, "out_bytes": out_bytes, "params": params, "aux": aux}


def test_bound_by_hand_at_fp32_and_int8():
    prof = {"nodes": [_node(1e9, 4e6, 8e6, 1e6), _node(5e8, 4e6, 4e6, 1e5, aux=0.4),  # a training-only head
                      _node(None, 0, 4e6, 10),  # not run at inference
                      _node(0, 4e5, 4e6, 0)]}  # the final resize: bytes only
    fp32 = network_bound(prof, "fp32", {"flops": 1e12, "bandwidth": 1e10, "source": "test"})
    # node 1: 2e9 FLOP / 1e12 = 2 ms; (4e6 + 8e6) B + 1e6 params x 4 B = 16e6 B / 1e10 = 1.6 ms -> 2 ms
    # resize: 4.4e6 B / 1e10 = 0.44 ms
    assert fp32["ms"] == pytest.approx(2.44) and fp32["nodes"] == 2
    assert fp32["compute_ms"] == pytest.approx(2.0) and fp32["memory_ms"] == pytest.approx(2.04)
    assert fp32["limit"] == "memory" and fp32["peaks_source"] == "test"
    int8 = network_bound(prof, "int8", {"flops": 4e12, "bandwidth": 1e10, "source": "test"})
    # node 1: 2e9 / 4e12 = 0.5 ms; 12e6 / 4 + 1e6 = 4e6 B -> 0.4 ms -> 0.5 ms; resize 1.1e6 B -> 0.11 ms
    assert int8["ms"] == pytest.approx(0.61) and int8["dtype"] == "int8"


def test_profile_bytes_by_hand():
    prof = profile("fast_scnn", RES)
    first = prof["nodes"][0]
    assert first["in_bytes"] == 4 * 3 * RES[0] * RES[1]  # the image, fp32
    wrapper = prof["nodes"][-1]
    assert wrapper["node"] == WRAPPER and wrapper["in_bytes"] == 4 * 19 * (RES[0] // 8) * (RES[1] // 8)
    assert wrapper["out_bytes"] == 4 * 19 * RES[0] * RES[1]


def test_profile_bytes_agree_with_the_tensors_by_node_captures():
    """The network bound from meta shapes equals the sum of `--by-node`'s bounds from real tensors."""
    peaks = {"flops": 1e11, "bandwidth": 1e10, "source": "test"}
    (result,) = bench.bench([Case("fast_scnn", RES, Protocol(**TINY))], by_node=True, peaks=peaks, node_iters=1)
    nodes = result["metrics"]["by_node"]["nodes"]
    bound = result["metrics"]["roofline"]
    assert bound["ms"] == pytest.approx(sum(r["bound_ms"] for r in nodes), rel=1e-9)
    assert bound["ms"] == pytest.approx(network_bound(profile("fast_scnn", RES), "fp32", peaks)["ms"])
    assert bound["efficiency"] == pytest.approx(bound["ms"] / result["metrics"]["median_ms"])
    assert bench.to_row(result, environment_={"cpu": "test"})["metrics"]["roofline"] == bound


def test_every_bench_row_carries_its_bound_at_the_device_peaks(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path))
    (result,) = bench.bench([Case("fast_scnn", RES, Protocol(**TINY))])
    bound = result["metrics"]["roofline"]
    assert bound["dtype"] == "fp32" and bound["ms"] > 0 and "calibrated (quick)" in bound["peaks_source"]


def test_a_bound_that_cannot_be_formed_does_not_fail_the_bench(monkeypatch):
    from arena.errors import ArenaError
    from arena.measure import peaks

    def no_peaks(*a, **k):
        raise ArenaError("no peak here")
    monkeypatch.setattr(peaks, "peaks", no_peaks)
    (result,) = bench.bench([Case("fast_scnn", RES, Protocol(**TINY))])
    assert result["metrics"]["roofline"] == {"error": "no peak here"} and result["metrics"]["median_ms"] > 0
