"""What every timed measurement shares: the dtype table, the math mode, the device scope, one timer.

`arena bench` (a network), `--by-node` (its nodes) and the peak calibration (a GEMM, a triad) time
with the same rules, so their figures can be divided by one another:

- the precision names and their torch dtypes are one table (`DTYPES`, `torch_dtype`);
- `math_mode` sets TF32 for convolutions and matmuls from the precision (fp32 means IEEE fp32, only
  "tf32" allows tensor-core TF32), restored after, through one API: the `allow_tf32` flags. Why
  those: inductor reads `torch.backends.cudnn.allow_tf32` (its conv templates) and
  `torch.backends.cuda.matmul.fp32_precision` (its mm templates); set through the legacy flags,
  both read back consistently, while the per-operator `fp32_precision` switches make the first raise
  ("cuDNN conv and cuDNN RNN have different TF32 flags") and the matmul one "mix of the legacy and new
  APIs" (torch 2.9 to 2.13, checked in tests/measure/test_gpu_paths.py);
- `device_scope` enters `torch.cuda.device(i)` for `cuda:i`: CUDA events, streams and graphs are
  created on the current device, so without it `cuda:1` would be timed on device 0;
- `time_call` times one call (a CUDA event pair on GPU, `perf_counter_ns` on CPU) and consumes its
  output through a one-element view (no copy, even of a channels_last tensor) after the end event;
- `time_repeats` times back-to-back calls for the calibration's rates.
"""
from __future__ import annotations

import contextlib
import math
import time
from typing import Any, Callable

DTYPES = ("fp32", "tf32", "fp16", "bf16")


def torch_dtype(dtype: str):
    """The torch dtype of a precision name (tf32 is fp32 storage with tensor-core math)."""
    import torch

    return {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]


def is_cuda(device: str) -> bool:
    return str(device).startswith("cuda")


def cuda_index(device: str) -> int:
    """The GPU index of "cuda" (the current device) or "cuda:i"."""
    import torch

    dev = torch.device(device)
    return dev.index if dev.index is not None else torch.cuda.current_device()


def device_scope(device: str):
    """`torch.cuda.device(i)` for a CUDA device (events, streams, graphs land on it), else nothing."""
    import torch

    if is_cuda(device):
        return torch.cuda.device(cuda_index(device))
    return contextlib.nullcontext()


@contextlib.contextmanager
def math_mode(dtype: str, cudnn_benchmark: bool | None = None):
    """TF32 for convolutions and matmuls only when `dtype` is "tf32" (the `allow_tf32` flags: module
    docstring); cudnn.benchmark when given."""
    import torch

    tf32 = dtype == "tf32"
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = (cudnn.allow_tf32, matmul.allow_tf32, cudnn.benchmark)
    cudnn.allow_tf32 = matmul.allow_tf32 = tf32
    if cudnn_benchmark is not None:
        cudnn.benchmark = cudnn_benchmark
    try:
        yield
    finally:
        cudnn.allow_tf32, matmul.allow_tf32, cudnn.benchmark = saved


def tf32_state() -> dict[str, bool]:
    """Whether convolutions and matmuls may use TF32 right now (what `math_mode` set)."""
    import torch

    return {"conv": torch.backends.cudnn.allow_tf32, "matmul": torch.backends.cuda.matmul.allow_tf32}


def first_element(out):
    """A one-element view of the output (a tensor, or the first tensor of a tuple): never a copy."""
    if isinstance(out, (tuple, list)):
        out = out[0]
    return out[(0,) * out.dim()].reshape(1) if out.dim() else out.reshape(1)


class Sink:
    """A running sum of one element of every output: the next call cannot start before the last
    output was produced and read (a CUDA-graph replay overwrites its output).

    The element is copied (`copy=True`), never kept as a view: for an fp32 output `.float()` returns
    the tensor itself, and a view of CUDA-graph memory (manual graphs, or compile's reduce-overhead)
    held across the next replay is what torch reports as an overwritten output."""

    def __init__(self):
        self.total = None

    def consume(self, out) -> None:
        import torch

        first = first_element(out).to(torch.float32, copy=True)  # one element: the copy costs nothing
        self.total = first if self.total is None else self.total + first


def time_call(run: Callable[[], Any], device: str, sink: Sink | None = None) -> float:
    """Milliseconds of one call: a CUDA event pair on GPU (the output consumed after the end event,
    so outside the timing), perf_counter_ns on CPU."""
    import torch

    if is_cuda(device):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = run()
        end.record()
        if sink is not None:
            sink.consume(out)
        end.synchronize()
        return start.elapsed_time(end)
    t0 = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - t0) / 1e6


def time_repeats(fn: Callable[[], Any], device: str, *, warmup: int, repeats: int, target_s: float,
                 max_inner: int = 1000) -> tuple[list[float], int]:
    """Seconds per call of `fn`, one figure per repeat, and the calls per repeat: after warm-up,
    one timed call sets `inner` so that a repeat lasts about `target_s`; each repeat is the mean of
    `inner` back-to-back calls (for rates of kernels far shorter than a timer's resolution)."""
    import torch

    def run(inner: int) -> float:
        return time_call(lambda: [fn() for _ in range(inner)], device) / 1e3 / inner

    with device_scope(device):
        for _ in range(warmup):
            fn()
        if is_cuda(device):
            torch.cuda.synchronize()
        one = run(1)
        inner = max(1, min(max_inner, math.ceil(target_s / one))) if one > 0 else max_inner
        return [run(inner) for _ in range(repeats)], inner
