"""ONNX export and ONNX Runtime inference: `arena export --onnx` and `arena bench --backend onnxruntime`.

onnx, onnxscript and onnxruntime are the optional extra ``pip install 'arena-seg[onnx]'``; every
entry point checks for them first and names the extra when one is missing.

Export uses ``torch.onnx.export(..., dynamo=True)``, the torch.export-based exporter (the legacy
TorchScript exporter fails on adaptive pooling with non-dividing sizes), with static shapes, the
network in eval mode (its previous mode restored after), the weights inside the one .onnx file
(no external data), and the exporter's progress prints, warnings and log lines silenced. The file
is written atomically: a temp file in the target folder, checked, then ``os.replace``d; on any
error nothing is left behind and an existing file is untouched.

The check runs the exported graph in onnxruntime (CPU provider) on a seeded random input and
compares it with eager fp32: ``max_abs_diff`` = max |ort - eager|, ``rel_diff`` = max_abs_diff /
max |eager|, and ``ok`` when rel_diff <= RTOL = 1e-4 (fp32 kernels differ in summation order
only; 1e-4 of the logits' range is far below anything that moves an argmax except exact ties).
``argmax_agreement`` is the share of pixels whose class is the same.

`OrtModel` times the graph: intra-op threads set explicitly (never ORT's default), one inter-op
thread, sequential execution, graph optimisation level ALL, all recorded in `.protocol`. On CPU
a call converts the torch tensor to numpy (zero-copy for a contiguous fp32 CPU tensor) and wraps
ORT's freshly allocated output (zero-copy): that conversion, ORT's output allocation and any
input copy ORT makes are inside the timed call. On CUDA, input and output stay on the GPU through
an IO binding (no host copies) when the output shape is static.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

RTOL = 1e-4
EXTRA = "pip install 'arena-seg[onnx]'"
_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "torch._export", "onnxscript", "onnx_ir")


def _missing(*names: str) -> list[str]:
    out = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            out.append(name)
    return out


def require_onnxruntime():
    """The onnxruntime module, or ArenaError naming the extra."""
    if _missing("onnxruntime"):
        raise ArenaError(f"onnxruntime is not installed: {EXTRA} (or use --backend eager)")
    return importlib.import_module("onnxruntime")


def require_onnx_export() -> None:
    """ArenaError naming the extra unless onnx and onnxscript (the exporter's needs) import."""
    missing = _missing("onnx", "onnxscript")
    if missing:
        raise ArenaError(f"ONNX export needs {' and '.join(missing)}, not installed: {EXTRA} "
                         f"(or use --backend eager)")


@contextlib.contextmanager
def _quiet():
    """The exporter prints progress, warns and logs: library code never prints, so all of it goes."""
    saved = []
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.CRITICAL)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield sink
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def _chain(e: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    while e is not None and e not in out:
        out.append(e)
        e = e.__cause__ or e.__context__
    return out


def _first_line(e: BaseException) -> str:
    """The root cause's first line: the exporter wraps the real error in paragraphs of advice."""
    root = _chain(e)[-1]
    text = str(root).strip().splitlines()
    return f"{type(root).__name__}: {text[0] if text else ''}".strip()


def _user_error(e: BaseException) -> ArenaError | None:
    """An ArenaError the network itself raised (a resolution it rejects), however deeply wrapped."""
    return next((c for c in _chain(e) if isinstance(c, ArenaError)), None)


def _compare(eager, ort_out) -> dict[str, Any]:
    import torch

    eager, ort_out = eager.float(), ort_out.float()
    if eager.shape != ort_out.shape:
        return {"max_abs_diff": None, "rel_diff": None, "argmax_agreement": None, "ok": False,
                "mismatch": f"shape {tuple(ort_out.shape)} != eager {tuple(eager.shape)}"}
    diff = (eager - ort_out).abs().max().item()
    scale = eager.abs().max().item()
    rel = diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
    agree = None
    if eager.dim() >= 2 and eager.shape[1] > 1:
        agree = (eager.argmax(1) == ort_out.argmax(1)).to(torch.float64).mean().item()
    return {"max_abs_diff": diff, "rel_diff": rel, "argmax_agreement": agree, "ok": bool(rel <= RTOL)}


def export_onnx(net, path: str | os.PathLike, res: tuple[int, int] = (512, 1024), batch: int = 1, *,
                check: bool = True, opset: int | None = None) -> dict[str, Any]:
    """Export `net` (eval mode, static input shape (batch, 3, H, W)) to `path`, atomically.

    Returns {"path", "opset", "bytes", "export_s", "res", "batch", "exporter", "torch", "onnx",
    "max_abs_diff", "rel_diff", "argmax_agreement", "ok", "rtol"} (the check's keys are None when
    `check` is False). Raises ArenaError when the extra is missing, the folder does not exist, the
    shape is bad or the exporter fails (nothing is written then).
    """
    import torch

    require_onnx_export()
    if check:
        require_onnxruntime()
    path = Path(path)
    if path.suffix.lower() != ".onnx":
        raise ArenaError(f"ONNX file {str(path)!r} should end in .onnx")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ArenaError(f"cannot write {path}: folder {folder} does not exist (create it first)")
    if path.is_dir():
        raise ArenaError(f"cannot write {path}: it is a folder (give a file name ending in .onnx)")
    h, w = res
    if batch < 1 or h < 1 or w < 1:
        raise ArenaError(f"batch and resolution must be positive, got batch {batch} and {h}x{w}")

    params = next(iter(net.parameters()), None)
    device = params.device if params is not None else torch.device("cpu")
    dtype = params.dtype if params is not None and params.is_floating_point() else torch.float32
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 3, h, w, generator=gen).to(device=device, dtype=dtype)
    was_training = net.training
    net.eval()
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".onnx.tmp")
    except OSError as e:  # a folder that exists but takes no files (/proc, a read-only mount)
        raise ArenaError(f"cannot write {path}: {e.strerror or e} (pass a writable path with --onnx)") from None
    os.close(fd)
    try:
        start = time.perf_counter()
        try:
            with _quiet():
                program = torch.onnx.export(net, (x,), dynamo=True, opset_version=opset,
                                            input_names=["image"], output_names=["logits"])
                program.save(tmp, external_data=False)
        except Exception as e:
            user = _user_error(e)
            if user is not None:
                raise ArenaError(str(user)) from e
            raise ArenaError(f"ONNX export failed ({_first_line(e)}): use --backend eager") from e
        export_s = time.perf_counter() - start
        import onnx

        model = onnx.load(tmp, load_external_data=False)
        opset_used = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
        report: dict[str, Any] = {"path": str(path), "opset": opset_used, "bytes": os.path.getsize(tmp),
                                  "export_s": export_s, "res": [h, w], "batch": batch,
                                  "exporter": "torch.onnx.export(dynamo=True)", "torch": torch.__version__,
                                  "onnx": onnx.__version__, "max_abs_diff": None, "rel_diff": None,
                                  "argmax_agreement": None, "ok": None, "rtol": RTOL}
        if check:
            with torch.inference_mode():
                eager = net(x)
            if isinstance(eager, dict):
                eager = eager["out"]
            try:
                got = OrtModel(tmp, device="cpu", threads=torch.get_num_threads())(x.cpu())
            except ArenaError:
                raise
            except Exception as e:
                raise ArenaError(f"onnxruntime cannot run the exported graph ({_first_line(e)}): "
                                 f"use --backend eager") from e
            report.update(_compare(eager.cpu(), got))
        os.replace(tmp, path)
        return report
    finally:
        net.train(was_training)
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # gone already after a successful os.replace


_ORT_NUMPY = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(double)": "float64"}


class OrtModel:
    """An onnxruntime InferenceSession callable on torch tensors, with its settings in `.protocol`.

    device "cpu" uses the CPU provider; "cuda[:i]" the CUDA provider (ArenaError when this
    onnxruntime has none). `threads` sets intra_op_num_threads explicitly (default: torch's
    current thread count, never ORT's own default); inter_op_num_threads is 1.
    """

    def __init__(self, path: str | os.PathLike, device: str = "cpu", threads: int | None = None):
        import torch

        ort = require_onnxruntime()
        path = Path(path)
        if not path.is_file():
            raise ArenaError(f"no ONNX file at {path}: export one first (arena export SPEC --onnx FILE)")
        dev = torch.device(device)
        if dev.type not in ("cpu", "cuda"):
            raise ArenaError(f"onnxruntime backend runs on cpu or cuda, not {device!r}")
        available = ort.get_available_providers()
        if dev.type == "cuda":
            provider = "CUDAExecutionProvider"
            if provider not in available:
                raise ArenaError(f"onnxruntime has no {provider} here (available: {', '.join(available)}): "
                                 f"pip install onnxruntime-gpu, or use --device cpu")
            index = dev.index or 0
            # ORT's kernels go on torch's current stream, ordered with the torch work around them
            # (CUDA events of the bench timer then bracket them as they do eager kernels)
            stream = torch.cuda.current_stream(index).cuda_stream
            providers: list = [(provider, {"device_id": index, "user_compute_stream": str(stream)}),
                               "CPUExecutionProvider"]
        else:
            provider, index, providers = "CPUExecutionProvider", None, ["CPUExecutionProvider"]
        if threads is not None and threads < 1:
            raise ArenaError(f"threads must be at least 1, got {threads}")
        threads = threads or torch.get_num_threads()

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3  # errors only: ORT's warnings would print from library code
        try:
            self.session = ort.InferenceSession(str(path), sess_options=so, providers=providers)
        except Exception as e:
            raise ArenaError(f"onnxruntime cannot load {path} ({_first_line(e)}): re-export it") from e
        inp, out = self.session.get_inputs()[0], self.session.get_outputs()[0]
        self.input_name, self.output_name = inp.name, out.name
        self.input_dtype, self.output_dtype = _ORT_NUMPY.get(inp.type), _ORT_NUMPY.get(out.type)
        self.output_shape = out.shape if all(isinstance(d, int) for d in out.shape) else None
        self.device, self.index = dev, index
        self._ort = ort
        self.protocol = {"backend": "onnxruntime", "onnxruntime": ort.__version__, "provider": provider,
                         "providers": self.session.get_providers(), "intra_op_threads": threads,
                         "inter_op_threads": 1, "execution_mode": "sequential",
                         "graph_optimization": "ORT_ENABLE_ALL", "input": [inp.name, inp.type, inp.shape],
                         "host_copies": dev.type == "cpu", "path": str(path),
                         "cuda_stream": "torch's current stream" if dev.type == "cuda" else None}

    def __call__(self, x):
        import numpy as np
        import torch

        if self.input_dtype and str(x.dtype).removeprefix("torch.") != self.input_dtype:
            raise ArenaError(f"the ONNX graph takes {self.input_dtype} input, got {x.dtype}: "
                             f"the onnxruntime backend times the exported fp32 graph")
        if self.device.type == "cpu":
            arr = x.detach().cpu().contiguous().numpy()
            return torch.from_numpy(self.session.run([self.output_name], {self.input_name: arr})[0])
        x = x.detach().to(self.device).contiguous()
        binding = self.session.io_binding()
        binding.bind_input(self.input_name, "cuda", self.index, np.dtype(self.input_dtype or "float32").type,
                           list(x.shape), x.data_ptr())
        if self.output_shape is not None and self.output_dtype is not None:
            y = torch.empty(self.output_shape, device=self.device, dtype=getattr(torch, self.output_dtype))
            binding.bind_output(self.output_name, "cuda", self.index, np.dtype(self.output_dtype).type,
                                list(y.shape), y.data_ptr())
            self.session.run_with_iobinding(binding)
            return y
        binding.bind_output(self.output_name, "cuda", self.index)
        self.session.run_with_iobinding(binding)
        return torch.from_numpy(binding.copy_outputs_to_cpu()[0]).to(self.device)  # dynamic shape: copies


__all__ = ["EXTRA", "RTOL", "OrtModel", "export_onnx", "require_onnx_export", "require_onnxruntime"]
