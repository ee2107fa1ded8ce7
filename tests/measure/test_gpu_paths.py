"""The GPU paths of `arena bench`, checked on CPU where the mechanism allows: the device scope, the
reference's precision flags, per-case memory bookkeeping, the copy-free output sink, graph recording
outside the warm-up, telemetry read during the timing, and --by-node under autocast."""
from __future__ import annotations

import contextlib
import dataclasses
import json

import pytest
import torch
from typer.testing import CliRunner

from arena.cli import app
from arena.measure import bench, prepare as prep, timing
from arena.measure.bench import Case, PreparedCase, Protocol

TINY = dict(iters=4, warmup_min=1, warmup_max=1, warmup_window=1)
RES = (64, 128)


def fake_prepared(label: str, device: str = "cpu", run=lambda: torch.zeros(1, 2, 2, 2)) -> PreparedCase:
    case = Case(label, RES, Protocol(device=device, **TINY), label=label)
    return PreparedCase(case, label, net=None, model=None, run=run, x=None)


class RecordingDevice:
    """Stands in for torch.cuda.device: remembers which GPU is current."""

    def __init__(self):
        self.current: int | None = None

    def __call__(self, index):
        @contextlib.contextmanager
        def scope():
            saved, self.current = self.current, index
            try:
                yield
            finally:
                self.current = saved
        return scope()


def test_cuda_1_is_prepared_and_timed_inside_its_device_scope(monkeypatch):
    gpu = RecordingDevice()
    monkeypatch.setattr(torch.cuda, "device", gpu)
    monkeypatch.setattr(bench, "check_protocol", lambda p: None)
    seen = {"prepare": [], "timer": []}

    def fake_prepare(case, seed=0):
        seen["prepare"].append(gpu.current)
        return fake_prepared(case.label, case.protocol.device)

    def timer(case):
        seen["timer"].append(gpu.current)
        return 1.0

    monkeypatch.setattr(bench, "prepare", fake_prepare)
    cases = [Case(n, RES, Protocol(device="cuda:1", **TINY), label=n) for n in ("A", "B")]
    monkeypatch.setattr(bench, "_result", lambda c, *a: {"label": c.label, "metrics": {"median_ms": 1.0}})
    results = bench.bench(cases, timer=timer, telemetry=lambda device, threads: {"device": device})
    assert seen["prepare"] == [1, 1] and set(seen["timer"]) == {1} and gpu.current is None
    assert all("error" in r["metrics"]["roofline"] for r in results)  # "A" and "B" name no network: no bound


def test_device_scope_enters_the_gpu_named(monkeypatch):
    gpu = RecordingDevice()
    monkeypatch.setattr(torch.cuda, "device", gpu)
    with timing.device_scope("cuda:1"):
        assert gpu.current == 1
    with timing.device_scope("cpu"):
        assert gpu.current is None


@pytest.fixture
def tf32_by_default():
    """torch's default on CUDA: cuDNN convolutions may use TF32 (set through the one API arena uses)."""
    cudnn = torch.backends.cudnn
    saved, cudnn.allow_tf32 = cudnn.allow_tf32, True
    yield cudnn
    cudnn.allow_tf32 = saved


def test_the_fp32_reference_runs_without_tf32(tf32_by_default):
    case = bench.prepare(Case("fast_scnn", RES, Protocol(channels_last=True, **TINY)))  # fp32, not the reference
    states = []
    case.net.register_forward_pre_hook(lambda m, a: states.append(timing.tf32_state()))
    result = bench.accuracy(case)
    assert states == [{"conv": False, "matmul": False}] and result["flagged"] is False
    assert tf32_by_default.allow_tf32 is True  # restored after


@pytest.mark.parametrize("dtype, tf32", [("fp32", False), ("tf32", True)])
def test_every_tf32_reader_agrees_inside_the_math_mode(dtype, tf32):
    """What inductor reads (torch.backends.cudnn.allow_tf32 in its conv templates, matmul.fp32_precision
    in its mm templates) and the legacy matmul flag all answer, and agree. Today's per-operator
    fp32_precision switches made the first raise: "cuDNN conv and cuDNN RNN have different TF32 flags"."""
    with timing.math_mode(dtype):
        assert torch.backends.cudnn.allow_tf32 is tf32
        assert torch.backends.cuda.matmul.allow_tf32 is tf32
        assert torch.backends.cuda.matmul.fp32_precision == ("tf32" if tf32 else "ieee")
        assert timing.tf32_state() == {"conv": tf32, "matmul": tf32}


class FakeAllocator:
    """torch.cuda's allocator counters: held bytes stay allocated, transient ones only peak."""

    def __init__(self, monkeypatch):
        self.allocated = self.peak = 0
        for name, fn in {"synchronize": lambda *a: None, "memory_allocated": lambda *a: self.allocated,
                         "max_memory_allocated": lambda *a: self.peak,
                         "reset_peak_memory_stats": lambda *a: setattr(self, "peak", self.allocated)}.items():
            monkeypatch.setattr(torch.cuda, name, fn)

    def case(self, held: int, transient: int):
        def run():
            self.peak = max(self.peak, self.allocated + held + transient)
            self.allocated += held
        return run


def test_the_sink_keeps_a_copy_never_a_view_of_an_fp32_output():
    """A CUDA-graph replay overwrites its static output. Today's sink kept `.float()` of the first
    output, which for fp32 is the output itself: the next replay changed the sum."""
    static = torch.full((1, 19, 8, 8), 2.0)  # fp32, as a graph's static output
    sink = timing.Sink()
    sink.consume(static)
    static.fill_(100.0)  # the next replay
    assert sink.total.item() == 2.0
    assert sink.total.untyped_storage().data_ptr() != static.untyped_storage().data_ptr()


def test_memory_is_measured_after_the_autotuning_call(monkeypatch):
    """The first call autotunes (cudnn.benchmark tries algorithms with 80 bytes of workspace here);
    the case's memory is what it holds (100) plus the peak of a warmed call (30), and the autotuning
    peak (100 + 80) is reported apart. Today's prepare measured the first call: 180 as the memory."""
    gpu = FakeAllocator(monkeypatch)
    first_call = gpu.case(held=100, transient=80)
    warm_call = gpu.case(held=0, transient=30)
    out, memory, setup_peak = prep.measure_warm_memory("cuda", lambda: first_call() or "ready",
                                                       lambda ready: warm_call())
    assert (out, memory, setup_peak) == ("ready", 130, 180)
    assert prep.measure_warm_memory("cpu", lambda: 1, lambda ready: None) == (1, None, None)


def test_each_case_gets_its_own_peak_memory(monkeypatch):
    gpu = FakeAllocator(monkeypatch)
    _, big = prep.measure_memory("cuda", gpu.case(held=100, transient=50))
    _, small = prep.measure_memory("cuda", gpu.case(held=10, transient=5))
    assert (big, small) == (150, 15)  # not one device-wide peak for both
    assert prep.measure_memory("cpu", lambda: 1) == (1, None)


def test_the_sink_reads_one_element_without_copying_a_channels_last_output():
    out = torch.randn(1, 19, 32, 64).contiguous(memory_format=torch.channels_last)
    first = timing.first_element(out)
    assert first.numel() == 1 and first.untyped_storage().data_ptr() == out.untyped_storage().data_ptr()
    sink = timing.Sink()
    sink.consume(out)
    sink.consume((out, out))
    assert sink.total.item() == pytest.approx(2 * out[0, 0, 0, 0].item())


def test_reduce_overhead_records_its_graphs_in_setup_not_in_the_warm_up(monkeypatch):
    calls = []

    def fake_compile(model, mode=None):
        def compiled(x):
            calls.append(mode)
            return model(x)
        return compiled

    monkeypatch.setattr(torch, "compile", fake_compile)
    case = bench.prepare(Case("fast_scnn", RES, Protocol(compile="reduce-overhead", **TINY)))
    assert len(calls) == 1 + prep.GRAPH_RECORDING_CALLS  # compile, then the recording calls
    assert case.setup["compile_s"] > 0 and case.setup["graph_recording_s"] > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.run = None  # a prepared case is never filled in afterwards


def test_telemetry_is_read_halfway_through_the_timing():
    log: list[str] = []

    def timer(case):
        log.append(case.label)
        return 1.0

    cases = [fake_prepared("A"), fake_prepared("B")]
    _, _, sampled, _ = bench.interleaved(cases, timer, iters=4, halfway=lambda: log.append("telemetry") or "hot")
    assert sampled == "hot"
    assert log.index("telemetry") == 2 + 2 * 2 and len(log) == 2 + 2 * 4 + 1  # warm-ups, 2 rounds, read, 2 rounds


def test_the_row_carries_the_environment_read_during_the_timing():
    p = Protocol(threads=1, **TINY)
    (result,) = bench.bench([Case("fast_scnn", RES, p)], telemetry=lambda device, threads: {"read": "halfway",
                                                                                          "threads": threads})
    row = bench.to_row(result)
    assert row["environment"] == {"read": "halfway", "threads": 1}
    json.dumps(result, default=str)  # plain data: no network inside
    assert not any(isinstance(v, torch.nn.Module) for v in result.values())


def test_by_node_under_bf16_autocast(tmp_path, monkeypatch):
    monkeypatch.setenv("ARENA_CACHE_DIR", str(tmp_path / "cache"))
    r = CliRunner().invoke(app, ["bench", "fast_scnn", "--res", "64x128", "--dtype", "bf16", "--autocast",
                                 "--by-node", "--iters", "2", "--threads", "1", "--no-save", "--json"])
    assert r.exit_code == 0, r.output
    (row,) = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    nodes = row["metrics"]["by_node"]["nodes"]
    assert nodes and all(n["ms"] > 0 for n in nodes) and row["protocol"]["autocast"] is True


def test_cases_on_two_devices_are_refused():
    with pytest.raises(bench.BenchError, match="one device"):
        bench._devices([Case("a", RES, Protocol()), Case("b", RES, Protocol(device="cuda"))])

