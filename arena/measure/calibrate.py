"""`arena bench --calibrate`: measure this device's peak FLOP/s per dtype and its memory bandwidth.

A large GEMM per dtype (``torch.mm``, achieved FLOP/s = 2 n^3 / t, best of a few runs after
warm-up) and a STREAM-style triad ``a = b + s * c`` (bytes = 3 x n x element size / t, STREAM's
convention: the write-allocate read is not counted), timed by arena.measure.timing (CUDA events on
GPU, perf_counter on CPU, where the thread count is set explicitly and is part of the cache key).

Array sizes: 4 x the last-level cache per array (64 MiB to 1 GiB, at most an eighth of the free
memory), so the triad streams from memory, not from the cache. A quick calibration (the fallback
when no figure is known) keeps that rule on a GPU, whose L2 can be 60 MB and more, and uses 16 MiB
arrays on a CPU (a quick CPU figure can be a cache bandwidth: it is marked quick, and `beyond_llc`
says so); a quick figure is never preferred over a datasheet figure (arena.measure.peaks).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import importlib.util
from pathlib import Path
from typing import Any, Sequence

from arena.measure.peaks_cache import cache_path, check_dtype, device_key, load_cache, resolve_device, thread_count, \
    write_cache
from arena.measure.timing import math_mode, time_repeats, torch_dtype


def default_dtypes(dev) -> tuple[str, ...]:
    """fp32 on CPU, and int8 where ONNX Runtime is installed (the engines' static int8 runs there);
    on a GPU every dtype it runs (tf32 on Ampere and newer, bf16 where supported)."""
    import torch

    if dev.type == "cpu":
        return ("fp32", "int8") if importlib.util.find_spec("onnxruntime") else ("fp32",)
    out = ["fp32"]
    if torch.cuda.get_device_capability(dev) >= (8, 0):
        out.append("tf32")
    out.append("fp16")
    if torch.cuda.is_bf16_supported():
        out.append("bf16")
    return tuple(out)


@contextlib.contextmanager
def _num_threads(dev, threads: int | None):
    import torch

    if dev.type != "cpu":
        yield None
        return
    old = torch.get_num_threads()
    n = thread_count(threads)
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(old)


def _gemm_plan(dev, quick: bool) -> dict[str, Any]:
    if dev.type == "cuda":
        return {"n": 2048 if quick else 8192, "warmup": 3, "repeats": 3 if quick else 10,
                "target_s": 0.02 if quick else 0.1}
    return {"n": 512 if quick else 2048, "warmup": 1, "repeats": 3 if quick else 5,
            "target_s": 0.01 if quick else 0.1}


def _measure_gemm(dev, dtype: str, quick: bool) -> dict[str, Any]:
    """Achieved FLOP/s of an n x n x n torch.mm (2 n^3 FLOP), best of the repeats (int8:
    `_measure_int8_gemm`)."""
    import torch

    plan = _gemm_plan(dev, quick)
    if dtype == "int8":
        return _measure_int8_gemm(dev, plan)
    n = plan["n"]
    gen = torch.Generator(device=dev).manual_seed(0)
    a = torch.randn(n, n, device=dev, dtype=torch_dtype(dtype), generator=gen)
    b = torch.randn(n, n, device=dev, dtype=torch_dtype(dtype), generator=gen)
    c = torch.empty(n, n, device=dev, dtype=torch_dtype(dtype))
    with math_mode(dtype), torch.inference_mode():
        times, inner = time_repeats(lambda: torch.mm(a, b, out=c), str(dev), warmup=plan["warmup"],
                                    repeats=plan["repeats"], target_s=plan["target_s"])
    best = min(times)
    return {"value": 2 * n ** 3 / best, **plan, "inner": inner, "best_s": best, "times_s": times}


def _measure_int8_gemm(dev, plan: dict[str, Any]) -> dict[str, Any]:
    """Achieved int8 ops/s of ONNX Runtime's MatMulInteger (uint8 x int8 -> int32, 2 n^3 ops): the
    engines are what run int8 here (arena.measure.quantize), and torch's own int8 matmul
    (`torch._int_mm`) has no fast CPU kernel (on this laptop's CPU it ran at 1/60 of fp32 torch.mm)."""
    import numpy as np
    import torch

    from arena.measure.onnx_backend import require_onnxruntime

    ort = require_onnxruntime()
    from onnx import TensorProto, helper, numpy_helper

    n = plan["n"]
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.integers(-128, 128, (n, n), dtype=np.int8), "B")
    graph = helper.make_graph([helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "int8_gemm",
                              [helper.make_tensor_value_info("A", TensorProto.UINT8, [n, n])],
                              [helper.make_tensor_value_info("Y", TensorProto.INT32, [n, n])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = torch.get_num_threads(), 1  # _num_threads set it
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    feed = {"A": rng.integers(0, 256, (n, n), dtype=np.uint8)}
    times, inner = time_repeats(lambda: session.run(None, feed), str(dev), warmup=plan["warmup"],
                                repeats=plan["repeats"], target_s=plan["target_s"])
    best = min(times)
    return {"value": 2 * n ** 3 / best, **plan, "op": f"onnxruntime {ort.__version__} MatMulInteger (u8 x s8)",
            "inner": inner, "best_s": best, "times_s": times}


def _llc_bytes(dev) -> int | None:
    """The last-level cache: the GPU's L2, or the largest CPU cache in /sys (None when unreadable)."""
    import torch

    if dev.type == "cuda":
        return getattr(torch.cuda.get_device_properties(dev), "L2_cache_size", None)
    sizes = []
    for d in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        with contextlib.suppress(OSError, ValueError):
            s = (d / "size").read_text().strip().upper()
            mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:], 1)
            sizes.append(int(s.rstrip("KMG")) * mult)
    return max(sizes) if sizes else None


def _available_bytes() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def _triad_plan(dev, quick: bool) -> dict[str, Any]:
    """Array size: 4 x the last-level cache, 64 MiB to 1 GiB per array (quick: 16 MiB floor on a
    GPU, 16 MiB flat on a CPU), at most an eighth of the free memory."""
    import torch

    llc = _llc_bytes(dev)
    if quick and dev.type != "cuda":
        per = 16 << 20
    else:
        per = min(max(4 * (llc or 0), (16 if quick else 64) << 20), 1 << 30)
        if dev.type == "cuda":
            per = min(per, torch.cuda.mem_get_info(dev)[0] // 8)
        elif (free := _available_bytes()) is not None:
            per = min(per, free // 8)
    n = per // 4
    return {"elements": n, "array_bytes": n * 4, "llc_bytes": llc,
            "beyond_llc": None if llc is None else n * 4 > 2 * llc,
            "warmup": 2, "repeats": 3 if quick else 10, "target_s": 0.01 if quick else 0.1, "dtype": "fp32"}


def _measure_triad(dev, quick: bool) -> dict[str, Any]:
    """STREAM triad a = b + s * c as one kernel (torch.add with alpha): 3 x n x 4 bytes per call."""
    import torch

    plan = _triad_plan(dev, quick)
    n = plan["elements"]
    b = torch.rand(n, device=dev)
    c = torch.rand(n, device=dev)
    a = torch.empty(n, device=dev)
    with torch.inference_mode():
        times, inner = time_repeats(lambda: torch.add(b, c, alpha=3.0, out=a), str(dev), warmup=plan["warmup"],
                                    repeats=plan["repeats"], target_s=plan["target_s"])
    best = min(times)
    return {"value": 3 * n * 4 / best, **plan, "inner": inner, "bytes_per_call": 3 * n * 4, "best_s": best,
            "times_s": times}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def calibrate(device: str = "cpu", dtypes: Sequence[str] | None = None, *, quick: bool = False,
              threads: int | None = None, write: bool = True) -> dict[str, Any]:
    """Measure this device's peaks and cache them (merged with what the cache holds for it).

    `dtypes` defaults to `default_dtypes`. `threads` (CPU) defaults to torch's current count; it is
    set explicitly for the measurement, restored after, recorded, and part of the cache key.
    `quick` uses small GEMMs (and small CPU arrays): for tests and fallbacks, and recorded.

    Returns {"key", "device", "device_name", "threads", "measured_at", "quick", "torch",
    "flops": {dtype: FLOP/s}, "bandwidth": B/s, "protocol": {"gemm": {dtype: {n, warmup, repeats,
    target_s, inner, best_s, times_s}}, "triad": {elements, array_bytes, llc_bytes, beyond_llc, ...},
    "statistic", "timer"}, "cache": path or None}.
    """
    import torch

    dev = resolve_device(device)
    dtypes = tuple(dtypes) if dtypes else default_dtypes(dev)
    for d in dtypes:
        check_dtype(d, dev)
    key, name = device_key(device, threads)
    stamp = _now()
    with _num_threads(dev, threads) as n_threads:
        gemm = {d: _measure_gemm(dev, d, quick) for d in dtypes}
        triad = _measure_triad(dev, quick)
    result = {"key": key, "device": str(dev), "device_name": name, "threads": n_threads, "measured_at": stamp,
              "quick": quick, "torch": torch.__version__,
              "flops": {d: g["value"] for d, g in gemm.items()}, "bandwidth": triad["value"],
              "protocol": {"gemm": {d: {k: v for k, v in g.items() if k != "value"} for d, g in gemm.items()},
                           "triad": {k: v for k, v in triad.items() if k != "value"},
                           "statistic": "best of the repeats (the highest rate), after warm-up",
                           "timer": "CUDA events, synchronised" if dev.type == "cuda" else "time.perf_counter"},
              "cache": None}
    if write:
        _remember(key, name, n_threads, gemm, triad, result, quick, stamp)
    return result


def _remember(key, name, n_threads, gemm, triad, result, quick: bool, stamp: str) -> None:
    """Merge this calibration into the cache entry of its device; a cache that cannot be written warns."""
    import warnings

    import torch

    path = cache_path()
    devices = load_cache(path)
    entry = devices.get(key) or {"flops": {}}
    entry.update(device_name=name, threads=n_threads, torch=torch.__version__)
    for d, g in gemm.items():
        entry["flops"][d] = {"value": g["value"], "measured_at": stamp, "quick": quick,
                             "protocol": result["protocol"]["gemm"][d]}
    entry["bandwidth"] = {"value": triad["value"], "measured_at": stamp,
                          "quick": quick or triad["beyond_llc"] is False,
                          "protocol": result["protocol"]["triad"]}
    devices[key] = entry
    try:
        write_cache(devices, path)
        result["cache"] = str(path)
    except OSError as e:
        warnings.warn(f"could not write the peaks cache {path} ({e.strerror}): set ARENA_CACHE_DIR "
                      f"to a writable folder", stacklevel=3)


__all__ = ["calibrate", "default_dtypes"]
