"""`arena bench`: latency and FPS under a recorded protocol (DESIGN.md §6), on CPU and GPU.

What is inside the timed region is stated, never implied: the forward pass on a fixed input that
already sits on the device, the final resize of the logits (unless `include_resize=False`), the
argmax (only with `include_argmax=True`); host-device copies are outside. Every iteration is timed
on its own (a CUDA event pair on GPU, `perf_counter_ns` on CPU) and the statistics are the median,
p10 and p90 over every iteration, not block means. Warm-up runs until the spread of the last window
settles, between a floor and a ceiling that are recorded with how many iterations it took.

Several cases are timed interleaved (A B C A B C ...), so drift hits every case alike, and each
case's ratio to the first comes with its spread over the rounds. Reduced precision, compilation,
CUDA graphs and folding are checked against fp32 eager on the same input: a mode that changes the
answer beyond tolerance is flagged in the result, not hidden.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import math
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from arena.errors import ArenaError

DTYPES = ("fp32", "tf32", "fp16", "bf16")
COMPILE_MODES = ("none", "default", "reduce-overhead", "max-autotune")
BACKENDS = ("eager", "onnxruntime")
# Relative max-difference of the logits against fp32 eager above which a mode is flagged, and the
# argmax agreement below which it is. fp32 modes only reorder sums (folding, layouts, fusion).
TOLERANCE = {"fp32": (1e-4, 0.999), "tf32": (1e-2, 0.99), "fp16": (5e-2, 0.98), "bf16": (1e-1, 0.97)}


class BenchError(ArenaError):
    """A benchmark that cannot run as asked (device, dtype, compiler, option values)."""


@dataclass(frozen=True)
class Protocol:
    """Everything a latency depends on that arena controls. Recorded in every row."""

    device: str = "cpu"
    dtype: str = "fp32"
    autocast: bool = False  # reduced precision by autocast only; the model and input stay fp32
    channels_last: bool = False
    compile: str = "none"  # torch.compile mode, or none
    freezing: bool = True  # inductor freezing (weights as constants) when compiling for inference
    cuda_graphs: bool = False  # manual capture and replay of the (eager) model
    fuse_bn: bool = False
    threads: int | None = None  # CPU threads; None means all cores, set explicitly and recorded
    batch: int = 1
    include_resize: bool = True  # the final resize of the logits to the input size is timed
    include_argmax: bool = False  # the argmax over classes is timed
    iters: int | None = None  # timed iterations; None: 200 on GPU, 20 on CPU
    warmup_min: int = 3
    warmup_max: int = 50
    warmup_window: int = 5
    warmup_spread: float = 0.05  # settled when (max - min) / median of the last window is below this
    cudnn_benchmark: bool = True
    backend: str = "eager"

    @property
    def timed_iters(self) -> int:
        return self.iters if self.iters is not None else (200 if self.device.startswith("cuda") else 20)

    @property
    def is_reference(self) -> bool:
        """fp32 eager with nothing changed: the mode every other one is checked against."""
        return (self.dtype == "fp32" and self.compile == "none" and not self.cuda_graphs and not self.fuse_bn
                and not self.channels_last and self.backend == "eager")

    def record(self) -> dict[str, Any]:
        """The protocol as a row stores it: every field plus what the defaults resolved to."""
        out = dataclasses.asdict(self)
        out.update(iters=self.timed_iters, threads=self.threads or _cpu_threads(),
                   cast=("autocast" if self.autocast else "model and input") if self.dtype in ("fp16", "bf16")
                   else "none",
                   timed_region="forward" + (" + final resize" if self.include_resize else "")
                   + (" + argmax" if self.include_argmax else "") + "; input already on the device",
                   host_device_copies="outside the timed region",
                   warmup_rule=f"until (max-min)/median of the last {self.warmup_window} iterations < "
                               f"{self.warmup_spread:g}, at least {self.warmup_min}, at most {self.warmup_max}",
                   statistic="median, p10, p90 over every timed iteration; FPS = batch x 1000 / median ms")
        return out


def _cpu_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# -- checks ---------------------------------------------------------------------------------------
def check_protocol(p: Protocol) -> None:
    """Refuse, in one line each, what cannot run here: before any network is built."""
    import torch

    if not isinstance(p.batch, int) or p.batch < 1:
        raise BenchError(f"--batch must be an integer >= 1, got {p.batch}")
    if p.iters is not None and p.iters < 1:
        raise BenchError(f"--iters must be an integer >= 1, got {p.iters}")
    if p.threads is not None and p.threads < 1:
        raise BenchError(f"--threads must be an integer >= 1, got {p.threads}")
    if p.dtype not in DTYPES:
        raise BenchError(f"unknown dtype {p.dtype!r}: choose from {', '.join(DTYPES)}")
    if p.compile not in COMPILE_MODES:
        raise BenchError(f"unknown compile mode {p.compile!r}: choose from {', '.join(COMPILE_MODES)}")
    if p.backend not in BACKENDS:
        raise BenchError(f"unknown backend {p.backend!r}: choose from {', '.join(BACKENDS)}")
    cuda = p.device.startswith("cuda")
    if cuda:
        if not torch.cuda.is_available():
            why = "this torch is a CPU build" if torch.version.cuda is None else "no CUDA device is visible"
            raise BenchError(f"--device {p.device}: {why} (torch.cuda.is_available() is False); use --device cpu")
        index = int(p.device.split(":", 1)[1]) if ":" in p.device else 0
        if index >= torch.cuda.device_count():
            raise BenchError(f"--device {p.device}: only {torch.cuda.device_count()} CUDA device(s) "
                             f"(cuda:0..cuda:{torch.cuda.device_count() - 1})")
        if p.dtype == "bf16" and not torch.cuda.is_bf16_supported():
            raise BenchError(f"--dtype bf16: {torch.cuda.get_device_name(index)} has no bf16 support; use fp16")
    elif p.device != "cpu":
        raise BenchError(f"unknown device {p.device!r}: use cpu, cuda or cuda:N")
    else:
        if p.dtype == "tf32":
            raise BenchError("--dtype tf32 is a CUDA tensor-core math mode: on CPU use fp32 or bf16")
        if p.dtype == "fp16" and not _cpu_runs_fp16():
            raise BenchError("--dtype fp16: this CPU build of torch cannot run fp16 convolutions; use bf16 or fp32")
        if p.cuda_graphs:
            raise BenchError("--cuda-graphs needs --device cuda")
    if p.cuda_graphs and p.compile != "none":
        raise BenchError("--cuda-graphs captures the eager model: use it with --compile none "
                         "(or --compile reduce-overhead, which captures graphs itself)")
    if p.backend == "onnxruntime":
        if p.compile != "none" or p.cuda_graphs or p.dtype != "fp32" or p.autocast:
            raise BenchError("--backend onnxruntime times the exported fp32 graph: drop --compile, "
                             "--cuda-graphs and --dtype")
        from arena.measure.onnx_backend import require_onnxruntime

        require_onnxruntime()
    if p.compile != "none":
        check_compiler(p.device)


def _cpu_runs_fp16() -> bool:
    import torch

    try:
        torch.nn.functional.conv2d(torch.ones(1, 1, 2, 2, dtype=torch.float16), torch.ones(1, 1, 1, 1,
                                                                                          dtype=torch.float16))
        return True
    except RuntimeError:
        return False


def check_compiler(device: str) -> None:
    """torch.compile's inductor needs a C++ compiler on CPU and triton on GPU: say so up front."""
    if device.startswith("cuda"):
        if importlib.util.find_spec("triton") is None:
            raise BenchError("--compile on CUDA needs triton, which this torch has not got: "
                             "install it or use --compile none (eager)")
        return
    cxx = os.environ.get("CXX")
    if not (cxx and shutil.which(cxx)) and not any(shutil.which(c) for c in ("g++", "c++", "clang++")):
        raise BenchError("--compile on CPU needs a C++ compiler (g++ or clang++) for inductor, and none is on "
                         "PATH: install one (e.g. apt-get install g++) or use --compile none (eager)")


# -- preparing one case ---------------------------------------------------------------------------
@dataclass
class Case:
    """One network at one resolution under one protocol, ready to be called by the timer."""

    spec: str
    res: tuple[int, int]
    protocol: Protocol
    swaps: tuple[str, ...] = ()
    label: str = ""
    net: Any = None  # the GraphNet as built (fp32, eager, on CPU): identity and the accuracy reference
    model: Any = None  # the eager model as timed (folded, cast, on the device): per-node timing
    run: Callable[[], Any] | None = None  # one timed call; returns the output
    x: Any = None
    setup: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def _math_mode(p: Protocol):
    """TF32 on only for --dtype tf32 (fp32 means fp32), cudnn.benchmark as recorded; restored after."""
    import torch

    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = p.dtype == "tf32"
    torch.backends.cudnn.benchmark = p.cudnn_benchmark
    try:
        yield
    finally:
        (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32,
         torch.backends.cudnn.benchmark) = saved


def _torch_dtype(p: Protocol):
    import torch

    return {"fp16": torch.float16, "bf16": torch.bfloat16}.get(p.dtype, torch.float32)


def prepare(case: Case, seed: int = 0) -> Case:
    """Build, fold, cast, compile or capture one case; measure setup costs apart from the timing."""
    import torch

    from arena.api import build
    from arena.measure.profile import check_resolution

    p = case.protocol
    torch.manual_seed(seed)
    net = build(case.spec, list(case.swaps) or None).eval()
    check_resolution(net, *case.res)
    case.net, case.label = net, case.label or f"{net.canonical} @ {case.res[0]}x{case.res[1]}"
    model = net
    if p.fuse_bn:
        from arena.measure.fuse import count_bn, fold_bn

        model, folded = fold_bn(net)
        case.setup.update(folded_bn=folded, bn_left=count_bn(model))
    model = _copy_if_same(model, net)
    model.resize_output = p.include_resize
    device = torch.device(p.device)
    dtype = _torch_dtype(p)
    x = torch.randn(p.batch, 3, *case.res, generator=torch.Generator().manual_seed(seed))
    memory_format = torch.channels_last if p.channels_last else torch.contiguous_format
    if p.backend == "onnxruntime":
        case.run, case.x = _onnx_runner(model, x, case, p), x
        return case
    model = model.to(device, memory_format=memory_format)
    x = x.to(device).contiguous(memory_format=memory_format)
    if dtype is not torch.float32 and not p.autocast:
        model, x = model.to(dtype), x.to(dtype)
    case.model = model
    forward = _forward(model, p, device, dtype)
    if p.compile != "none":
        forward = _compiled(model, p, device, dtype, x, case)
    if p.cuda_graphs:
        forward = _captured(forward, x, p, case)
    case.run, case.x = (lambda: forward(x)), x
    return case


def _copy_if_same(model, net):
    """The model to time must not alias `net`, which stays the fp32 eager reference."""
    import copy

    return copy.deepcopy(net) if model is net else model


def _forward(model, p: Protocol, device, dtype) -> Callable:
    import torch

    def call(x):
        with torch.inference_mode(), _math_mode(p), \
                (torch.autocast(device.type, dtype=dtype) if p.autocast and dtype is not torch.float32
                 else contextlib.nullcontext()):
            out = model(x)
            return out.argmax(1) if p.include_argmax else out
    return call


def _compiled(model, p: Protocol, device, dtype, x, case: Case) -> Callable:
    import torch
    import torch._inductor.config as inductor

    inductor.freezing = p.freezing
    # every GraphNet shares one forward code object: without room for one cache entry per network,
    # dynamo silently falls back to eager after its default limit of 8 (seen in bench_best_cpu.py)
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 256)
    torch._dynamo.config.accumulated_recompile_limit = max(torch._dynamo.config.accumulated_recompile_limit, 2048)
    mode = None if p.compile == "default" else p.compile
    compiled = torch.compile(model, mode=mode)
    case.setup.update(inductor_freezing=inductor.freezing, inductor_layout_optimization=inductor.layout_optimization)
    forward = _forward(compiled, p, device, dtype)
    start = time.perf_counter()
    try:
        forward(x)
        _sync(device)
    except Exception as e:  # noqa: BLE001 - a compiler failure is reported as such, with the way out
        raise BenchError(f"torch.compile(mode={p.compile!r}) failed on {case.spec}: {type(e).__name__}: "
                         f"{str(e).strip().splitlines()[0] if str(e).strip() else ''} (use --compile none)") from e
    case.setup["compile_s"] = time.perf_counter() - start  # first call: tracing and code generation
    return forward


def _captured(forward: Callable, x, p: Protocol, case: Case) -> Callable:
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
    case.setup["capture_s"] = time.perf_counter() - start

    def replay(_x):
        graph.replay()
        return static_out  # overwritten by the next replay: the timer consumes it first
    return replay


def _onnx_runner(model, x, case: Case, p: Protocol) -> Callable:
    from arena.measure.onnx_backend import OrtModel, export_onnx

    folder = tempfile.mkdtemp(prefix="arena-onnx-")
    path = os.path.join(folder, "model.onnx")
    start = time.perf_counter()
    report = export_onnx(model, path, res=case.res, batch=p.batch, check=False)
    case.setup["export_s"] = time.perf_counter() - start
    case.setup["onnx_bytes"] = report.get("bytes")
    ort = OrtModel(path, device=p.device, threads=p.threads or _cpu_threads())
    case.setup["onnxruntime"] = ort.protocol
    if p.include_argmax:
        return lambda: ort(x).argmax(1)
    return lambda: ort(x)


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


# -- timing ---------------------------------------------------------------------------------------
Timer = Callable[[Case], float]


def time_call(run: Callable[[], Any], device: str, sink: dict | None = None) -> float:
    """Milliseconds of one call: a CUDA event pair on GPU, perf_counter_ns on CPU.

    On GPU the output is consumed (one element read into a running sum, enqueued after the end
    event, so outside the timing) before the next call: a CUDA-graph replay overwrites it.
    """
    import torch

    if device.startswith("cuda"):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = run()
        end.record()
        if sink is not None:
            first = out.reshape(-1)[:1].float()
            sink["_sink"] = first if sink.get("_sink") is None else sink["_sink"] + first
        end.synchronize()
        return start.elapsed_time(end)
    t0 = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - t0) / 1e6


def default_timer(case: Case) -> float:
    return time_call(case.run, case.protocol.device, case.setup)


def warm_up(case: Case, timer: Timer) -> dict[str, Any]:
    """Run until the last window's spread settles (floor and ceiling from the protocol)."""
    p = case.protocol
    times: list[float] = []
    spread = math.inf
    while len(times) < p.warmup_max:
        times.append(timer(case))
        if len(times) >= max(p.warmup_min, p.warmup_window):
            window = times[-p.warmup_window:]
            spread = (max(window) - min(window)) / max(statistics.median(window), 1e-9)
            if spread < p.warmup_spread:
                break
    return {"iterations": len(times), "settled": spread < p.warmup_spread, "last_window_spread": spread}


def interleaved(cases: list[Case], timer: Timer = default_timer, iters: int | None = None) -> list[list[float]]:
    """Every case warmed up, then timed round-robin: A B C A B C ... Returns the times per case."""
    for case in cases:
        case.setup["warmup"] = warm_up(case, timer)
    rounds = iters or max(c.protocol.timed_iters for c in cases)
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(rounds):
        for k, case in enumerate(cases):
            times[k].append(timer(case))
    return times


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default rule), q in [0, 100]."""
    import numpy as np

    return float(np.percentile(values, q))


def summarise(times: list[float], batch: int) -> dict[str, float]:
    median = statistics.median(times)
    return {"median_ms": median, "p10_ms": percentile(times, 10), "p90_ms": percentile(times, 90),
            "mean_ms": statistics.fmean(times), "std_ms": statistics.pstdev(times), "min_ms": min(times),
            "max_ms": max(times), "fps": batch * 1000.0 / median, "timed_iterations": len(times)}


def ratio_to_first(times: list[list[float]]) -> list[dict[str, float]]:
    """Per round, each case's time over the first case's; the median and spread of those ratios."""
    out = []
    for series in times:
        ratios = [t / max(f, 1e-12) for t, f in zip(series, times[0])]
        out.append({"median": statistics.median(ratios), "p10": percentile(ratios, 10),
                    "p90": percentile(ratios, 90)})
    return out


# -- accuracy at the timed precision ----------------------------------------------------------------
def accuracy(case: Case) -> dict[str, Any] | None:
    """The timed mode's output against fp32 eager of the same weights on the same input (None: it is fp32 eager)."""
    import torch

    p = case.protocol
    if p.is_reference:
        return None
    reference_net = case.net.to(p.device)
    reference_net.resize_output = p.include_resize
    x = case.x.detach().float().contiguous()
    with torch.inference_mode():
        ref = reference_net(x.to(p.device))
        out = case.run()
        if hasattr(out, "clone"):
            out = out.clone()
    ref_labels = ref.argmax(1)
    rel_tol, agree_tol = TOLERANCE[p.dtype]
    if p.include_argmax:
        agreement = (out.to(ref_labels.device) == ref_labels).float().mean().item()
        result = {"max_abs_diff": None, "rel_diff": None, "argmax_agreement": agreement}
        flagged = agreement < agree_tol
    else:
        out = out.float().to(ref.device).contiguous()
        diff = (out - ref).abs().max().item()
        rel = diff / max(ref.abs().max().item(), 1e-12)
        agreement = (out.argmax(1) == ref_labels).float().mean().item()
        result = {"max_abs_diff": diff, "rel_diff": rel, "argmax_agreement": agreement}
        flagged = rel > rel_tol or agreement < agree_tol or not math.isfinite(diff)
    result.update(tolerance_rel=rel_tol, tolerance_argmax=agree_tol, flagged=flagged,
                  against="fp32 eager, same weights, same input")
    return result


# -- the whole measurement --------------------------------------------------------------------------
def bench(cases: list[Case], *, timer: Timer = default_timer, on_step: Callable[[str], None] | None = None,
          seed: int = 0) -> list[dict[str, Any]]:
    """Prepare every case, time them interleaved, check accuracy; one result dict per case."""
    import torch

    from arena.measure.profile import ProfileError

    for case in cases:
        check_protocol(case.protocol)
    threads = {c.protocol.threads or _cpu_threads() for c in cases if c.protocol.device == "cpu"}
    if len(threads) > 1:
        raise BenchError("cases timed together must use one CPU thread count")
    saved_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads.pop())  # explicit, never torch.utils.benchmark's one-thread default
    try:
        for case in cases:
            if on_step:
                on_step(f"preparing {case.spec} @ {case.res[0]}x{case.res[1]}")
            try:
                prepare(case, seed)
            except ProfileError as e:
                raise BenchError(str(e)) from None
        cuda = [c for c in cases if c.protocol.device.startswith("cuda")]
        for c in cuda:
            torch.cuda.reset_peak_memory_stats(torch.device(c.protocol.device))
        if on_step:
            on_step("timing (interleaved)")
        times = interleaved(cases, timer)
        ratios = ratio_to_first(times)
        results = []
        for case, series, ratio in zip(cases, times, ratios):
            metrics = {**summarise(series, case.protocol.batch), "ratio_to_first": ratio,
                       "first": cases[0].label, "times_ms": series}
            if case.protocol.device.startswith("cuda"):
                metrics["peak_memory_bytes"] = torch.cuda.max_memory_allocated(torch.device(case.protocol.device))
            else:
                metrics["peak_memory_bytes"] = None  # not measured on CPU
            metrics["accuracy"] = accuracy(case) if timer is default_timer else None
            metrics["setup"] = {k: v for k, v in case.setup.items() if not k.startswith("_")}
            results.append({"case": case, "metrics": metrics})
        return results
    finally:
        torch.set_num_threads(saved_threads)


def to_row(result: dict[str, Any], environment_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A results row (kind "bench") with every protocol field of DESIGN.md §6."""
    from arena import env, results

    case = result["case"]
    p = case.protocol
    protocol = {**p.record(), "res": list(case.res), "resolution": f"{case.res[0]}x{case.res[1]}"}
    protocol.update({k: v for k, v in result["metrics"]["setup"].items()
                     if k in ("inductor_freezing", "inductor_layout_optimization", "onnxruntime")})
    fingerprint = getattr(env, "fingerprint", None)
    environment_ = environment_ or (fingerprint(p.device, protocol["threads"]) if fingerprint else env.environment())
    metrics = {k: v for k, v in result["metrics"].items() if k != "times_ms"}
    metrics["times_ms"] = result["metrics"]["times_ms"]
    return results.make_row("bench", case.net.resolved.row_fields(), metrics, protocol=protocol,
                            environment_=environment_)
