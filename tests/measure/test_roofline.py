"""Roofline peaks: the bound's arithmetic, the GPU table, the calibration cache (tiny sizes only)."""
import json

import pytest

from arena.errors import ArenaError
from arena.measure import roofline


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path))
    return tmp_path / "peaks.json"


def test_bound_compute_bound_by_hand():
    p = {"flops": 1e12, "bandwidth": 1e11}
    # 5e9 MACs = 1e10 FLOP at 1e12 FLOP/s = 10 ms; 1e8 B at 1e11 B/s = 1 ms
    assert roofline.bound_ms(5e9, 1e8, p) == pytest.approx(10.0)
    r = roofline.roofline(5e9, 1e8, p)
    assert r["limit"] == "compute" and r["memory_ms"] == pytest.approx(1.0)
    assert roofline.efficiency(10.0, 40.0) == pytest.approx(0.25)


def test_bound_memory_bound_by_hand():
    p = {"flops": 1e12, "bandwidth": 1e11}
    # 1e6 MACs = 2e6 FLOP = 0.002 ms; 3e9 B at 1e11 B/s = 30 ms
    assert roofline.bound_ms(1e6, 3e9, p) == pytest.approx(30.0)
    assert roofline.roofline(1e6, 3e9, p)["limit"] == "memory"


def test_bound_needs_the_peak_it_uses():
    p = {"flops": None, "bandwidth": 1e11, "source": "unknown"}
    assert roofline.bound_ms(0, 1e9, p) == pytest.approx(10.0)  # no compute term, no FLOP/s needed
    with pytest.raises(ArenaError, match="calibrate"):
        roofline.bound_ms(1e6, 1e9, p)
    with pytest.raises(ValueError):
        roofline.efficiency(1.0, 0.0)


@pytest.mark.parametrize("name, entry", [
    ("NVIDIA H200", "NVIDIA H200 (SXM)"),
    ("NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM5"),
    ("NVIDIA H100 PCIe", "NVIDIA H100 PCIe"),
    ("NVIDIA A100-SXM4-40GB", "NVIDIA A100 40GB"),
    ("NVIDIA A100-PCIE-40GB", "NVIDIA A100 40GB"),
    ("NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB SXM"),
    ("NVIDIA A100 80GB PCIe", "NVIDIA A100 80GB PCIe"),
    ("NVIDIA L4", "NVIDIA L4"),
    ("NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 4090"),
    ("NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 3090"),
    ("NVIDIA GeForce RTX 2080 Ti", "NVIDIA GeForce RTX 2080 Ti"),
    ("Tesla V100-SXM2-32GB", "NVIDIA Tesla V100 SXM2"),
    ("Tesla V100-PCIE-16GB", "NVIDIA Tesla V100 PCIe"),
    ("Tesla T4", "NVIDIA Tesla T4"),
    ("NVIDIA GeForce GTX 1080 Ti", "NVIDIA GeForce GTX 1080 Ti"),
    ("NVIDIA TITAN Xp", "NVIDIA TITAN Xp"),
    ("NVIDIA TITAN X (Pascal)", "NVIDIA TITAN X (Pascal)"),
    ("GeForce GTX TITAN X", "NVIDIA GeForce GTX TITAN X (Maxwell)"),
])
def test_table_lookup_by_device_name(name, entry):
    row = roofline.lookup_gpu(name)
    assert row is not None and row.name == entry
    assert row.flops["fp32"] > 0 and row.bandwidth > 0 and row.source


@pytest.mark.parametrize("name", ["NVIDIA H200 NVL", "NVIDIA H100 NVL", "NVIDIA L40S", "Tesla V100S-PCIE-32GB",
                                  "NVIDIA GeForce RTX 4090 Laptop GPU", "NVIDIA GeForce RTX 3090 Ti",
                                  "NVIDIA GeForce RTX 4080", "Intel(R) Xeon(R) Processor"])
def test_table_does_not_guess_other_parts(name):
    assert roofline.lookup_gpu(name) is None


def test_table_figures_are_dense_and_unknowns_none():
    h200 = roofline.lookup_gpu("NVIDIA H200")
    assert h200.flops["fp16"] == pytest.approx(989.5e12) and h200.bandwidth == pytest.approx(4.8e12)
    t4 = roofline.lookup_gpu("Tesla T4")
    assert t4.flops["tf32"] is None and t4.flops["bf16"] is None  # Turing has neither
    rows = roofline.table_rows()
    assert len(rows) == len(roofline.GPU_TABLE) and all(r["source"] for r in rows)


def test_cache_round_trip(_cache, monkeypatch):
    r = roofline.calibrate("cpu", ("fp32",), quick=True, threads=1)
    assert r["threads"] == 1 and r["quick"] and r["cache"] == str(_cache)
    assert r["flops"]["fp32"] > 0 and r["bandwidth"] > 0
    assert r["protocol"]["gemm"]["fp32"]["n"] > 0 and r["protocol"]["triad"]["elements"] > 0
    assert _cache.exists() and not [p for p in _cache.parent.iterdir() if p.name != "peaks.json"]

    def boom(*a, **k):
        raise AssertionError("peaks must read the cache, not measure")
    monkeypatch.setattr(roofline, "_measure_gemm", boom)
    monkeypatch.setattr(roofline, "_measure_triad", boom)
    p = roofline.peaks("cpu", "fp32", threads=1)
    assert p["flops"] == pytest.approx(r["flops"]["fp32"]) and p["bandwidth"] == pytest.approx(r["bandwidth"])
    assert p["source"].startswith("calibrated (quick) ") and str(_cache) in p["source"]
    # another thread count is another device key: nothing cached for it, and no measuring allowed
    other = roofline.peaks("cpu", "fp32", threads=2, calibrate_if_missing=False)
    assert other["flops"] is None and "calibrate" in other["source"]


def test_calibrate_merges_dtypes_into_one_entry(_cache):
    roofline.calibrate("cpu", ("fp32",), quick=True, threads=1)
    roofline.calibrate("cpu", ("bf16",), quick=True, threads=1)
    (entry,) = json.loads(_cache.read_text())["devices"].values()
    assert set(entry["flops"]) == {"fp32", "bf16"} and entry["threads"] == 1


def test_corrupted_cache_is_ignored_with_a_warning(_cache, monkeypatch):
    _cache.write_text("{not json")
    with pytest.warns(UserWarning, match="damaged peaks cache"):
        p = roofline.peaks("cpu", "fp32", calibrate_if_missing=False)
    assert p["flops"] is None
    _cache.write_text(json.dumps({"version": 1, "devices": {"cpu|x|1 threads": {"flops": {"fp32": "fast"}}}}))
    with pytest.warns(UserWarning, match="damaged entry"):
        assert roofline.load_cache() == {}
    _cache.write_text("{not json")
    with pytest.warns(UserWarning):
        roofline.calibrate("cpu", ("fp32",), quick=True, threads=1)  # rewrites the damaged file
    assert json.loads(_cache.read_text())["version"] == roofline.CACHE_VERSION


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.delenv("ARENA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert roofline.cache_path() == tmp_path / "arena" / "peaks.json"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert roofline.cache_path().parts[-3:] == (".cache", "arena", "peaks.json")


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(ArenaError, match="choose from"):
        roofline.peaks("cpu", "fp8")
    with pytest.raises(ArenaError, match="tf32"):
        roofline.calibrate("cpu", ("tf32",), quick=True)
    with pytest.raises(ArenaError, match="threads"):
        roofline.calibrate("cpu", quick=True, threads=0)


def test_cuda_without_a_gpu_is_an_error():
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ArenaError, match="no CUDA GPU"):
        roofline.peaks("cuda", "fp16")


def test_gpu_peaks_from_the_table_without_measuring(monkeypatch):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: "NVIDIA H200")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (9, 0))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    monkeypatch.setattr(roofline, "calibrate", lambda *a, **k: pytest.fail("must not measure"))
    p = roofline.peaks("cuda", "bf16")
    assert p["flops"] == pytest.approx(989.5e12) and p["bandwidth"] == pytest.approx(4.8e12)
    assert p["source"].startswith("table: NVIDIA H200") and "datasheet" in p["source"]


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_quick_calibration():
    r = roofline.calibrate("cuda", ("fp32",), quick=True)
    assert r["flops"]["fp32"] > 0 and r["bandwidth"] > 0 and r["protocol"]["timer"].startswith("CUDA events")


def test_full_triad_plan_sizes_arrays_beyond_the_cache(monkeypatch):
    import torch
    cpu = torch.device("cpu")
    monkeypatch.setattr(roofline, "_llc_bytes", lambda dev: 32 << 20)
    monkeypatch.setattr(roofline, "_available_bytes", lambda: 64 << 30)
    plan = roofline._triad_plan(cpu, quick=False)
    assert plan["array_bytes"] == 128 << 20 and plan["beyond_llc"] is True  # 4 x LLC
    monkeypatch.setattr(roofline, "_llc_bytes", lambda dev: 480 << 20)
    assert roofline._triad_plan(cpu, quick=False)["array_bytes"] == 1 << 30  # capped at 1 GiB
    monkeypatch.setattr(roofline, "_available_bytes", lambda: 2 << 30)
    assert roofline._triad_plan(cpu, quick=False)["array_bytes"] == 256 << 20  # an eighth of free memory
    monkeypatch.setattr(roofline, "_llc_bytes", lambda dev: None)
    assert roofline._triad_plan(cpu, quick=False)["beyond_llc"] is None  # unknown, not guessed
