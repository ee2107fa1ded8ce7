"""What a latency depends on that arena controls (`Protocol`), and the checks that refuse, in one
line each and before any network is built, what cannot run here."""
from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from dataclasses import dataclass
from typing import Any

from arena.checks import cpu_count
from arena.errors import ArenaError
from arena.measure.timing import DTYPES

COMPILE_MODES = ("none", "default", "reduce-overhead", "max-autotune")
BACKENDS = ("eager", "onnxruntime", "openvino")
ENGINES = ("onnxruntime", "openvino")  # run the exported graph; the only backends that run int8
ENGINE_DTYPES = ("int8",)  # static int8 of the exported graph (arena.measure.quantize)
# Relative max-difference of the logits against fp32 eager above which a mode is flagged, and the
# argmax agreement below which it is. fp32 modes only reorder sums (folding, layouts, fusion).
# int8's bound is a sanity check only: its accuracy cost is what `arena eval` measures, on trained weights.
TOLERANCE = {"fp32": (1e-4, 0.999), "tf32": (1e-2, 0.99), "fp16": (5e-2, 0.98), "bf16": (1e-1, 0.97),
             "int8": (2.5e-1, 0.9)}


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
    order_seed: int = 0  # seeds the per-round shuffle of the order of the cases timed together
    calibration: int | None = None  # int8: training images the quantiser calibrates on (None: the default)
    calibration_seed: int = 0  # int8: which images (arena.measure.quantize.calibration_set)

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
        out.update(iters=self.timed_iters, threads=self.threads or cpu_count(),
                   cast=("autocast" if self.autocast else "model and input") if self.dtype in ("fp16", "bf16")
                   else "none",
                   timed_region="forward" + (" + final resize" if self.include_resize else "")
                   + (" + argmax" if self.include_argmax else "") + "; input already on the device",
                   host_device_copies="outside the timed region",
                   warmup_rule=f"until (max-min)/median of the last {self.warmup_window} iterations < "
                               f"{self.warmup_spread:g}, at least {self.warmup_min}, at most {self.warmup_max}",
                   statistic="median, p10, p90 over every timed iteration; FPS = batch x 1000 / median ms",
                   order="each round times every case once, in an order shuffled per round "
                         "(numpy.random.default_rng(order_seed)); warm-up in the order given")
        return out


# -- checks ---------------------------------------------------------------------------------------
def check_protocol(p: Protocol) -> None:
    """Refuse, in one line each, what cannot run here: before any network is built."""
    import torch

    if not isinstance(p.batch, int) or p.batch < 1:
        raise BenchError(f"--batch must be an integer >= 1, got {p.batch}")
    if p.iters is not None and p.iters < 1:
        raise BenchError(f"--iters must be an integer >= 1, got {p.iters}")
    if isinstance(p.order_seed, bool) or not isinstance(p.order_seed, int) or p.order_seed < 0:
        raise BenchError(f"--order-seed must be an integer >= 0, got {p.order_seed}")
    if p.threads is not None and p.threads < 1:
        raise BenchError(f"--threads must be an integer >= 1, got {p.threads}")
    if p.dtype not in DTYPES + ENGINE_DTYPES:
        raise BenchError(f"unknown dtype {p.dtype!r}: choose from {', '.join(DTYPES + ENGINE_DTYPES)}")
    if p.calibration is not None and (isinstance(p.calibration, bool) or not isinstance(p.calibration, int)
                                      or p.calibration < 1):
        raise BenchError(f"--calibration must be an integer >= 1, got {p.calibration}")
    if p.dtype in ENGINE_DTYPES and p.backend not in ENGINES:
        raise BenchError(f"--dtype {p.dtype} is a quantised exported graph: add --backend onnxruntime or "
                         f"--backend openvino")
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
    if p.backend in ENGINES:
        if p.compile != "none" or p.cuda_graphs or p.dtype not in ("fp32",) + ENGINE_DTYPES or p.autocast:
            raise BenchError(f"--backend {p.backend} times the exported graph in fp32 or int8: drop --compile, "
                             f"--cuda-graphs and --autocast, and use --dtype fp32 or int8, not {p.dtype}")
        from arena.measure.onnx_backend import require_onnxruntime

        require_onnxruntime()  # exports are checked, and int8 is quantised, with onnxruntime
    if p.backend == "openvino":
        if cuda:
            raise BenchError("--backend openvino runs on the CPU plugin here: use --device cpu")
        from arena.measure.openvino_backend import require_openvino

        require_openvino()
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
