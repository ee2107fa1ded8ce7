"""The GPU paths of `arena bench` for real: skipped without CUDA (never verified on this project's CPU
CI; `bash benchmarks/gpu_check.sh` runs them on a GPU machine)."""
from __future__ import annotations

import importlib.util

import pytest
import torch

from arena.measure import bench
from arena.measure.bench import Case, Protocol

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]
RES = (256, 512)
QUICK = dict(iters=10, warmup_max=10)
FAST = dict(dtype="fp16", channels_last=True, fuse_bn=True, cuda_graphs=True)


def test_fp32_modes_are_not_flagged_against_an_ieee_reference():
    eager, layout = bench.bench([Case("fanet18", RES, Protocol(device="cuda", **QUICK)),
                                 Case("fanet18", RES, Protocol(device="cuda", channels_last=True, fuse_bn=True,
                                                               **QUICK))])
    assert layout["metrics"]["accuracy"]["flagged"] is False, layout["metrics"]["accuracy"]


def test_flow_align_is_captured_by_a_cuda_graph():
    (r,) = bench.bench([Case("fast_scnn[upsampler=flow_align]", RES, Protocol(device="cuda", **FAST, **QUICK))])
    assert r["metrics"]["setup"]["capture_s"] > 0 and r["metrics"]["accuracy"]["flagged"] is False


def test_each_case_has_its_own_memory_and_graph_pools_count():
    small, large, graphs = bench.bench([Case("fast_scnn", (128, 256), Protocol(device="cuda", **QUICK)),
                                        Case("fast_scnn", (512, 1024), Protocol(device="cuda", **QUICK)),
                                        Case("fast_scnn", (512, 1024), Protocol(device="cuda", **FAST, **QUICK))])
    m = [r["metrics"]["peak_memory_bytes"] for r in (small, large, graphs)]
    assert 0 < m[0] < m[1] and m[2] > 0, m


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two GPUs")
def test_cuda_1_is_timed_on_gpu_1():
    (r,) = bench.bench([Case("fast_scnn", RES, Protocol(device="cuda:1", cuda_graphs=True, **QUICK))])
    assert r["metrics"]["median_ms"] > 0 and r["environment"]["device"] == "cuda:1"


def test_onnxruntime_input_stays_on_the_gpu():
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        pytest.skip("onnxruntime without the CUDA provider")
    case = bench.prepare(Case("fast_scnn", RES, Protocol(device="cuda", backend="onnxruntime", **QUICK)))
    assert case.x.is_cuda and case.run().is_cuda


@pytest.mark.skipif(importlib.util.find_spec("triton") is None, reason="needs triton")
def test_reduce_overhead_records_graphs_before_the_warm_up():
    (r,) = bench.bench([Case("fanet18", RES, Protocol(device="cuda", dtype="fp16", channels_last=True,
                                                      compile="reduce-overhead", **QUICK))])
    setup = r["metrics"]["setup"]
    assert setup["graph_recording_s"] > 0 and r["metrics"]["accuracy"]["flagged"] is False


def test_by_node_on_the_gpu_stays_under_the_roofline():
    (r,) = bench.bench([Case("fanet18", RES, Protocol(device="cuda", dtype="fp16", autocast=True, **QUICK))],
                       by_node=True, node_iters=5)
    effs = [n["efficiency"] for n in r["metrics"]["by_node"]["nodes"]]
    assert effs and max(effs) <= 1.0, effs


def test_gpu_telemetry_is_read_during_the_run():
    (r,) = bench.bench([Case("fast_scnn", RES, Protocol(device="cuda", **QUICK))])
    env = r["environment"]
    assert env["device_name"] == torch.cuda.get_device_name(0)
    if env["gpu_telemetry"] is None:
        pytest.skip("neither pynvml nor nvidia-smi here")
    assert env["gpu_sm_clock_mhz"] is not None
