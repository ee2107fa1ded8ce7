"""One bench case made ready to time: built, folded, cast, laid out, compiled or captured, on its device.

`prepare(case)` returns a frozen `PreparedCase`: the fp32 eager network (identity and the accuracy
reference), the model as timed (for `--by-node`), the one call the timer makes, the input (already
on the device, for every backend: host-device copies are outside the timed region), and the setup
costs measured on the way (`setup`, plain data). Nothing is filled in afterwards.

Per-case GPU memory: the bytes this case allocated above what was already held (other cases'
weights), from its preparation through its first call: weights, input, compiled code's buffers, a
CUDA graph's private pool (allocated while capturing) and the activation peak of one call.
"""
from __future__ import annotations

import contextlib
import copy
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from arena.checks import cpu_count
from arena.measure.protocol import BenchError, Protocol
from arena.measure.timing import is_cuda, math_mode, torch_dtype

GRAPH_RECORDING_CALLS = 2  # reduce-overhead: CUDA-graph trees warm up on one call and record on the next


@dataclass(frozen=True)
class Case:
    """What to time: one network at one resolution under one protocol. Cases timed together are
    compared with the first case of their `group` (one group by default: the first case of the run)."""

    spec: str
    res: tuple[int, int]
    protocol: Protocol
    swaps: tuple[str, ...] = ()
    label: str = ""
    group: str = ""
    mode: str = ""  # what sets this case's protocol apart when several modes are compared ("onnxruntime")


@dataclass(frozen=True)
class PreparedCase:
    """A case ready for the timer (see the module docstring)."""

    case: Case
    label: str
    net: Any  # the GraphNet as built: fp32, eager, on CPU
    model: Any  # the eager model as timed (folded, cast, on the device); None for onnxruntime
    run: Callable[[], Any]  # one timed call; returns the output
    x: Any  # the input, on the device
    setup: dict[str, Any] = field(default_factory=dict)
    memory_bytes: int | None = None  # GPU bytes this case allocated at its peak (module docstring); None on CPU

    @property
    def protocol(self) -> Protocol:
        return self.case.protocol


def call_context(p: Protocol, device_type: str):
    """What every timed forward runs under: inference mode, the protocol's math mode, its autocast."""
    import torch

    stack = contextlib.ExitStack()
    stack.enter_context(torch.inference_mode())
    stack.enter_context(math_mode(p.dtype, p.cudnn_benchmark))
    dtype = torch_dtype(p.dtype)
    if p.autocast and dtype is not torch.float32:
        stack.enter_context(torch.autocast(device_type, dtype=dtype))
    return stack


def forward_fn(model, p: Protocol, device_type: str) -> Callable:
    def call(x):
        with call_context(p, device_type):
            out = model(x)
            return out.argmax(1) if p.include_argmax else out
    return call


def measure_memory(device: str, fn: Callable[[], Any]) -> tuple[Any, int | None]:
    """(fn(), bytes fn allocated at its peak above what was allocated before) on a GPU; None on CPU."""
    import torch

    if not is_cuda(device):
        return fn(), None
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    out = fn()
    torch.cuda.synchronize()
    return out, torch.cuda.max_memory_allocated() - base


def measure_warm_memory(device: str, ready: Callable[[], Any], call: Callable[[Any], Any]) -> tuple[Any, int | None,
                                                                                                  int | None]:
    """(ready(), the case's memory, the setup's peak) on a GPU; (ready(), None, None) on CPU.

    `ready()` builds the case and makes its first call, where cudnn.benchmark autotunes (trying
    algorithms with their own workspaces) and compilers tune: its peak above what was allocated
    before is the setup's peak, reported apart. The case's memory is what it holds after that
    (weights, input, graph pools) plus the peak of one more call, `call(ready())`, warmed up: what a
    deployment of this case needs, without the one-off autotuning workspace."""
    import torch

    if not is_cuda(device):
        return ready(), None, None
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    out = ready()
    torch.cuda.synchronize()
    setup_peak = torch.cuda.max_memory_allocated() - base
    torch.cuda.reset_peak_memory_stats()  # the peak restarts from what the case now holds
    call(out)
    torch.cuda.synchronize()
    return out, torch.cuda.max_memory_allocated() - base, setup_peak


def prepare(case: Case, seed: int = 0) -> PreparedCase:
    """Build, fold, cast, compile or capture one case (inside its device's scope); measure setup costs
    and this case's GPU memory apart from the timing."""
    import torch

    from arena.api import build

    from arena.measure import memory

    p = case.protocol
    memory.check_spec(case.spec, case.swaps, *case.res, batch=p.batch)  # before a single weight is allocated
    torch.manual_seed(seed)
    net = build(case.spec, list(case.swaps) or None).eval()
    net.check_resolution(*case.res)
    label = case.label or f"{net.canonical} @ {case.res[0]}x{case.res[1]}" + (f" [{case.mode}]" if case.mode else "")
    setup: dict[str, Any] = {}
    model = net
    if p.fuse_bn:
        from arena.measure.fuse import count_bn, fold_bn

        model, folded = fold_bn(net)
        setup.update(folded_bn=folded, bn_left=count_bn(model))
    model = copy.deepcopy(net) if model is net else model  # `net` stays the fp32 eager reference
    model.resize_output = p.include_resize
    x = torch.randn(p.batch, 3, *case.res, generator=torch.Generator().manual_seed(seed))

    def ready_and_first_call():
        if p.backend in ("onnxruntime", "openvino"):
            timed, (run, x_dev, info) = None, _engine_runner(model, x, case)
        else:
            timed, run, x_dev, info = _eager_runner(model, x, case)
        if is_cuda(p.device):
            run()  # the first call: cudnn.benchmark's autotuning, outside the case's memory (measure_warm_memory)
        return timed, run, x_dev, info

    (timed, run, x_dev, info), memory, setup_peak = measure_warm_memory(p.device, ready_and_first_call,
                                                                        lambda ready: ready[1]())
    setup.update(info)
    if setup_peak is not None:
        setup["setup_peak_memory_bytes"] = setup_peak  # the first call's autotuning included
    return PreparedCase(case, label, net, timed, run, x_dev, setup, memory)


def _eager_runner(model, x, case: Case):
    """The model on its device, cast and laid out, and the call to time (compiled or captured)."""
    import torch

    p = case.protocol
    device = torch.device(p.device)
    memory_format = torch.channels_last if p.channels_last else torch.contiguous_format
    model = model.to(device, memory_format=memory_format)
    x = x.to(device).contiguous(memory_format=memory_format)
    dtype = torch_dtype(p.dtype)
    if dtype is not torch.float32 and not p.autocast:
        model, x = model.to(dtype), x.to(dtype)
    info: dict[str, Any] = {}
    forward = forward_fn(model, p, device.type)
    if p.compile != "none":
        forward, info = _compiled(model, x, case)
    if p.cuda_graphs:
        forward, info = _captured(forward, x)
    return model, (lambda: forward(x)), x, info


def _compiled(model, x, case: Case) -> tuple[Callable, dict[str, Any]]:
    """torch.compile, its first call (tracing and code generation: `compile_s`) and, for
    reduce-overhead, the calls in which CUDA-graph trees record (`graph_recording_s`): setup, never
    warm-up."""
    import torch
    import torch._inductor.config as inductor

    p = case.protocol
    inductor.freezing = p.freezing
    # every GraphNet shares one forward code object: without room for one cache entry per network,
    # dynamo silently falls back to eager after its default limit of 8 (seen in bench_best_cpu.py)
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 256)
    torch._dynamo.config.accumulated_recompile_limit = max(torch._dynamo.config.accumulated_recompile_limit, 2048)
    mode = None if p.compile == "default" else p.compile
    compiled = forward_fn(torch.compile(model, mode=mode), p, torch.device(p.device).type)
    if p.compile == "reduce-overhead":
        def forward(inp, call=compiled):
            torch.compiler.cudagraph_mark_step_begin()  # each call a new step: outputs of the last may go
            return call(inp)
    else:
        forward = compiled
    info = {"inductor_freezing": inductor.freezing, "inductor_layout_optimization": inductor.layout_optimization}
    start = time.perf_counter()
    try:
        forward(x)
        _sync(p.device)
        info["compile_s"] = time.perf_counter() - start
        if p.compile == "reduce-overhead":
            start = time.perf_counter()
            for _ in range(GRAPH_RECORDING_CALLS):
                forward(x)
            _sync(p.device)
            info["graph_recording_s"] = time.perf_counter() - start
    except Exception as e:  # noqa: BLE001 - a compiler failure is reported as such, with the way out
        raise BenchError(f"torch.compile(mode={p.compile!r}) failed on {case.spec}: {type(e).__name__}: "
                         f"{str(e).strip().splitlines()[0] if str(e).strip() else ''} (use --compile none)") from e
    return forward, info


def _captured(forward: Callable, x) -> tuple[Callable, dict[str, Any]]:
    """Manual CUDA-graph capture of the eager model, warmed up on a side stream first."""
    import torch

    start = time.perf_counter()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            forward(x)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = forward(x)
    torch.cuda.synchronize()

    def replay(_x):
        graph.replay()
        return static_out  # overwritten by the next replay: the timer consumes it first
    return replay, {"capture_s": time.perf_counter() - start}


def _engine_runner(model, x, case: Case):
    """Export to a temporary .onnx (quantised to int8 when asked), open it in onnxruntime or OpenVINO,
    and put the input on the device: with `--device cuda` ORT's IO binding then reads it where it is
    (no host copy in the timed call)."""
    import shutil

    import torch

    from arena.measure.onnx_backend import OrtModel, export_onnx

    p = case.protocol
    folder = tempfile.mkdtemp(prefix="arena-onnx-")
    try:
        path = os.path.join(folder, "model.onnx")
        start = time.perf_counter()
        report = export_onnx(model, path, res=case.res, batch=p.batch, check=False)
        info: dict[str, Any] = {"export_s": time.perf_counter() - start, "onnx_bytes": report.get("bytes")}
        if p.dtype == "int8":
            from arena.measure.quantize import DEFAULT_CALIBRATION, calibration_set, quantize

            start = time.perf_counter()
            images, record = calibration_set(p.calibration or DEFAULT_CALIBRATION, p.calibration_seed, case.res)
            path_q = os.path.join(folder, "model.int8.onnx")
            info["quantisation"] = {**quantize(path, path_q, images, p.batch), "calibration": record,
                                    "weights": "initialised (random): the int8 accuracy is meaningless"}
            info["quantise_s"] = time.perf_counter() - start
            path = path_q
        threads = p.threads or cpu_count()
        if p.backend == "openvino":
            from arena.measure.openvino_backend import OvModel

            engine = OvModel(path, device=p.device, threads=threads)
        else:
            engine = OrtModel(path, device=p.device, threads=threads)
        info[p.backend] = engine.protocol
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # both engines hold the graph in memory once loaded
    x = x.to(torch.device(p.device))
    if p.include_argmax:
        return (lambda: engine(x).argmax(1)), x, info
    return (lambda: engine(x)), x, info


def _sync(device: str) -> None:
    import torch

    if is_cuda(device):
        torch.cuda.synchronize()


__all__ = ["Case", "PreparedCase", "call_context", "forward_fn", "measure_memory", "measure_warm_memory", "prepare"]
