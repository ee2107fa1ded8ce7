"""Device peaks: the datasheet table, the calibration and its cache (tiny sizes only), and which
figure wins."""
import json

import pytest

from arena.errors import ArenaError
from arena.measure import calibrate as cal
from arena.measure import datasheets
from arena.measure import peaks as pk
from arena.measure import peaks_cache


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path))
    return tmp_path / "peaks.json"


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
    row = datasheets.lookup_gpu(name)
    assert row is not None and row.name == entry
    assert row.flops["fp32"] > 0 and row.bandwidth > 0 and row.source


@pytest.mark.parametrize("name", ["NVIDIA H200 NVL", "NVIDIA H100 NVL", "NVIDIA L40S", "Tesla V100S-PCIE-32GB",
                                  "NVIDIA GeForce RTX 4090 Laptop GPU", "NVIDIA GeForce RTX 3090 Ti",
                                  "NVIDIA GeForce RTX 4080", "Intel(R) Xeon(R) Processor"])
def test_table_does_not_guess_other_parts(name):
    assert datasheets.lookup_gpu(name) is None


def test_table_figures_are_dense_and_unknowns_none():
    h200 = datasheets.lookup_gpu("NVIDIA H200")
    assert h200.flops["fp16"] == pytest.approx(989.5e12) and h200.bandwidth == pytest.approx(4.8e12)
    t4 = datasheets.lookup_gpu("Tesla T4")
    assert t4.flops["tf32"] is None and t4.flops["bf16"] is None  # Turing has neither
    rows = datasheets.table_rows()
    assert len(rows) == len(datasheets.GPU_TABLE) and all(r["source"] for r in rows)


def test_cache_round_trip(_cache, monkeypatch):
    r = cal.calibrate("cpu", ("fp32",), quick=True, threads=1)
    assert r["threads"] == 1 and r["quick"] and r["cache"] == str(_cache)
    assert r["flops"]["fp32"] > 0 and r["bandwidth"] > 0
    assert r["protocol"]["gemm"]["fp32"]["n"] > 0 and r["protocol"]["triad"]["elements"] > 0
    assert _cache.exists() and not [p for p in _cache.parent.iterdir() if p.name != "peaks.json"]

    def boom(*a, **k):
        raise AssertionError("peaks must read the cache, not measure")
    monkeypatch.setattr(cal, "_measure_gemm", boom)
    monkeypatch.setattr(cal, "_measure_triad", boom)
    p = pk.peaks("cpu", "fp32", threads=1)
    assert p["flops"] == pytest.approx(r["flops"]["fp32"]) and p["bandwidth"] == pytest.approx(r["bandwidth"])
    assert p["source"].startswith("calibrated (quick) ") and str(_cache) in p["source"]
    # another thread count is another device key: nothing cached for it, and no measuring allowed
    other = pk.peaks("cpu", "fp32", threads=2, calibrate_if_missing=False)
    assert other["flops"] is None and "calibrate" in other["source"]


def test_calibrate_merges_dtypes_into_one_entry(_cache):
    cal.calibrate("cpu", ("fp32",), quick=True, threads=1)
    cal.calibrate("cpu", ("bf16",), quick=True, threads=1)
    (entry,) = json.loads(_cache.read_text())["devices"].values()
    assert set(entry["flops"]) == {"fp32", "bf16"} and entry["threads"] == 1


def test_int8_peak_is_onnxruntimes_int8_gemm_cached_beside_fp32(_cache):
    import torch

    pytest.importorskip("onnxruntime")
    assert "int8" in cal.default_dtypes(torch.device("cpu"))  # the engines' int8 runs on the CPU
    r = cal.calibrate("cpu", ("fp32", "int8"), quick=True, threads=1)
    assert r["flops"]["int8"] > 0 and "MatMulInteger" in r["protocol"]["gemm"]["int8"]["op"]
    (entry,) = json.loads(_cache.read_text())["devices"].values()
    assert set(entry["flops"]) == {"fp32", "int8"}
    p = pk.peaks("cpu", "int8", threads=1, calibrate_if_missing=False)
    assert p["flops"] == pytest.approx(r["flops"]["int8"]) and p["dtype"] == "int8"


def test_corrupted_cache_is_ignored_with_a_warning(_cache, monkeypatch):
    _cache.write_text("{not json")
    with pytest.warns(UserWarning, match="damaged peaks cache"):
        p = pk.peaks("cpu", "fp32", calibrate_if_missing=False)
    assert p["flops"] is None
    _cache.write_text(json.dumps({"version": 1, "devices": {"cpu|x|1 threads": {"flops": {"fp32": "fast"}}}}))
    with pytest.warns(UserWarning, match="damaged entry"):
        assert peaks_cache.load_cache() == {}
    _cache.write_text("{not json")
    with pytest.warns(UserWarning):
        cal.calibrate("cpu", ("fp32",), quick=True, threads=1)  # rewrites the damaged file
    assert json.loads(_cache.read_text())["version"] == peaks_cache.CACHE_VERSION


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.delenv("ARENA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert peaks_cache.cache_path() == tmp_path / "arena" / "peaks.json"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert peaks_cache.cache_path().parts[-3:] == (".cache", "arena", "peaks.json")


def test_each_cache_has_its_own_file_in_the_one_folder(monkeypatch, tmp_path):
    """The study estimates sit beside the peaks, named on their own (not derived from the peaks' path)."""
    from arena.studies import estimate

    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path))
    assert peaks_cache.cache_path() == tmp_path / "peaks.json"
    assert estimate.cache_path() == tmp_path / "estimates.json"
    monkeypatch.setattr(peaks_cache, "cache_path", lambda: tmp_path / "elsewhere" / "peaks.json")
    assert estimate.cache_path() == tmp_path / "estimates.json"


def test_int8_peak_is_a_cpu_figure():
    import torch

    with pytest.raises(ArenaError, match="int8 runs on the CPU engines"):
        peaks_cache.check_dtype("int8", torch.device("cuda"))


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(ArenaError, match="choose from"):
        pk.peaks("cpu", "fp8")
    with pytest.raises(ArenaError, match="tf32"):
        cal.calibrate("cpu", ("tf32",), quick=True)
    with pytest.raises(ArenaError, match="threads"):
        cal.calibrate("cpu", quick=True, threads=0)


def test_cuda_without_a_gpu_is_an_error():
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ArenaError, match="no CUDA GPU"):
        pk.peaks("cuda", "fp16")


def test_gpu_peaks_from_the_table_without_measuring(monkeypatch):
    _fake_h200(monkeypatch)
    monkeypatch.setattr(cal, "calibrate", lambda *a, **k: pytest.fail("must not measure"))
    p = pk.peaks("cuda", "bf16")
    assert p["flops"] == pytest.approx(989.5e12) and p["bandwidth"] == pytest.approx(4.8e12)
    assert p["source"].startswith("table: NVIDIA H200") and "datasheet" in p["source"]


@pytest.mark.gpu
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_quick_calibration():
    r = cal.calibrate("cuda", ("fp32",), quick=True)
    assert r["flops"]["fp32"] > 0 and r["bandwidth"] > 0 and r["protocol"]["timer"].startswith("CUDA events")


def test_full_triad_plan_sizes_arrays_beyond_the_cache(monkeypatch):
    import torch
    cpu = torch.device("cpu")
    monkeypatch.setattr(cal, "_llc_bytes", lambda dev: 32 << 20)
    monkeypatch.setattr(cal, "_available_bytes", lambda: 64 << 30)
    plan = cal._triad_plan(cpu, quick=False)
    assert plan["array_bytes"] == 128 << 20 and plan["beyond_llc"] is True  # 4 x LLC
    monkeypatch.setattr(cal, "_llc_bytes", lambda dev: 480 << 20)
    assert cal._triad_plan(cpu, quick=False)["array_bytes"] == 1 << 30  # capped at 1 GiB
    monkeypatch.setattr(cal, "_available_bytes", lambda: 2 << 30)
    assert cal._triad_plan(cpu, quick=False)["array_bytes"] == 256 << 20  # an eighth of free memory
    monkeypatch.setattr(cal, "_llc_bytes", lambda dev: None)
    assert cal._triad_plan(cpu, quick=False)["beyond_llc"] is None  # unknown, not guessed


def _fake_h200(monkeypatch):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: "NVIDIA H200")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d=None: (9, 0))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)


def test_quick_triad_on_a_gpu_streams_beyond_its_l2(monkeypatch):
    import torch
    l2 = 60 << 20  # an H200's L2 holds three 16 MiB arrays
    monkeypatch.setattr(cal, "_llc_bytes", lambda dev: l2)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda dev=None: (140 << 30, 141 << 30))
    plan = cal._triad_plan(torch.device("cuda", 0), quick=True)
    assert plan["array_bytes"] == 4 * l2 and plan["beyond_llc"] is True


def _cache_entry(quick: bool, flops: float, bandwidth: float) -> dict:
    figure = {"measured_at": "2026-01-01T00:00:00+00:00", "quick": quick}
    return {"flops": {"bf16": {"value": flops, **figure}}, "bandwidth": {"value": bandwidth, **figure}}


def test_a_quick_calibration_never_beats_the_datasheet(_cache, monkeypatch):
    _fake_h200(monkeypatch)
    _cache.write_text(json.dumps({"version": 1, "devices": {"cuda|NVIDIA H200": _cache_entry(True, 1e14, 9e12)}}))
    p = pk.peaks("cuda", "bf16", calibrate_if_missing=False)
    assert p["flops"] == pytest.approx(989.5e12) and p["bandwidth"] == pytest.approx(4.8e12)
    assert p["source"].startswith("table: NVIDIA H200")
    # a full calibration of this very device is preferred to the datasheet
    _cache.write_text(json.dumps({"version": 1, "devices": {"cuda|NVIDIA H200": _cache_entry(False, 7.9e14, 4.1e12)}}))
    p = pk.peaks("cuda", "bf16", calibrate_if_missing=False)
    assert p["flops"] == pytest.approx(7.9e14) and p["bandwidth"] == pytest.approx(4.1e12)
    assert p["source"].startswith("calibrated 2026-01-01")
