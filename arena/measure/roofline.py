"""Device peaks for the roofline bound: a built-in table of common GPUs, a calibration, a cache.

The per-node roofline lower bound of `arena bench --by-node` is
``max(2 x MACs / peak FLOP/s, bytes moved / peak bandwidth)`` (DESIGN.md §6). Its two peaks come,
in this order, from

1. a calibration cached for this device (`calibrate`, run by ``arena bench --calibrate``): a large
   GEMM per dtype (``torch.mm``, achieved FLOP/s = 2 n^3 / t, best of a few runs after warm-up) and
   a STREAM-style triad ``a = b + s * c`` (bytes = 3 x n x element size / t, STREAM's convention:
   the write-allocate read is not counted), timed with CUDA events on GPU and ``perf_counter`` on
   CPU, where the thread count is set explicitly and is part of the cache key;
2. the built-in `GPU_TABLE` (vendor datasheet and whitepaper figures, dense tensor-core peaks:
   NVIDIA prints the sparse figure for Ampere and newer, the dense one is half of it); a figure a
   source does not state is None, never guessed;
3. a quick calibration, when allowed (CPUs, GPUs outside the table, dtypes the table lacks).

Cache: one JSON file, ``$ARENA_CACHE_DIR/peaks.json`` when that variable is set, else
``$XDG_CACHE_HOME/arena/peaks.json``, else ``~/.cache/arena/peaks.json``; keyed by
``cpu|<CPU model>|<threads> threads`` or ``cuda|<GPU name>``; rewritten atomically (temp file +
``os.replace``). A damaged cache is ignored with a warning and replaced by the next calibration.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from arena.errors import ArenaError

DTYPES = ("fp32", "tf32", "fp16", "bf16")
CACHE_VERSION = 1
T = 1e12  # tera
G = 1e9   # giga


# -- the built-in table ----------------------------------------------------------------------------
@dataclass(frozen=True)
class GpuPeaks:
    """One GPU's dense peaks. `flops[dtype]` in FLOP/s (None: the source states none, or the GPU
    has no such mode), `bandwidth` in B/s. `match`: alternative token sets, any of which must all
    appear in the normalised device name; `exclude`: tokens that rule the entry out (the NVL, Ti,
    laptop and S variants have other figures)."""

    name: str
    flops: dict[str, float | None]
    bandwidth: float | None
    source: str
    match: tuple[tuple[str, ...], ...]
    exclude: tuple[str, ...] = field(default=())


def _f(fp32=None, tf32=None, fp16=None, bf16=None) -> dict[str, float | None]:
    return {"fp32": fp32, "tf32": tf32, "fp16": fp16, "bf16": bf16}


_SPARSE = "dense = half the datasheet's sparse tensor figures"
GPU_TABLE: tuple[GpuPeaks, ...] = (
    GpuPeaks("NVIDIA H200 (SXM)", _f(67 * T, 989 * T / 2, 1979 * T / 2, 1979 * T / 2), 4.8e12,
             f"NVIDIA H200 Tensor Core GPU datasheet, H200 SXM column ({_SPARSE})",
             (("h200",),), ("nvl",)),
    GpuPeaks("NVIDIA H100 SXM5", _f(67 * T, 989 * T / 2, 1979 * T / 2, 1979 * T / 2), 3.35e12,
             f"NVIDIA H100 Tensor Core GPU datasheet, H100 SXM column ({_SPARSE})",
             (("h100", "hbm3"), ("h100", "sxm"), ("h100", "sxm5")), ("nvl", "pcie")),
    GpuPeaks("NVIDIA H100 PCIe", _f(51 * T, 756 * T / 2, 1513 * T / 2, 1513 * T / 2), 2.0e12,
             f"NVIDIA H100 Tensor Core GPU datasheet, H100 PCIe column ({_SPARSE})",
             (("h100", "pcie"),), ("nvl",)),
    GpuPeaks("NVIDIA A100 40GB", _f(19.5 * T, 156 * T, 312 * T, 312 * T), 1555 * G,
             "NVIDIA A100 Tensor Core GPU datasheet (dense figures; 40GB PCIe and SXM alike)",
             (("a100", "40gb"),)),
    GpuPeaks("NVIDIA A100 80GB SXM", _f(19.5 * T, 156 * T, 312 * T, 312 * T), 2039 * G,
             "NVIDIA A100 Tensor Core GPU datasheet, A100 80GB SXM column (dense figures)",
             (("a100", "80gb"),), ("pcie",)),
    GpuPeaks("NVIDIA A100 80GB PCIe", _f(19.5 * T, 156 * T, 312 * T, 312 * T), 1935 * G,
             "NVIDIA A100 Tensor Core GPU datasheet, A100 80GB PCIe column (dense figures)",
             (("a100", "80gb", "pcie"),)),
    GpuPeaks("NVIDIA L4", _f(30.3 * T, 120 * T / 2, 242 * T / 2, 242 * T / 2), 300 * G,
             f"NVIDIA L4 Tensor Core GPU datasheet ({_SPARSE})", (("l4",),)),
    GpuPeaks("NVIDIA GeForce RTX 4090", _f(82.6 * T, 82.6 * T, 165.2 * T, 165.2 * T), 1008 * G,
             "NVIDIA Ada GPU architecture whitepaper, RTX 4090 column (dense; FP16/BF16 tensor with "
             "FP32 accumulate, what torch.mm uses)", (("rtx", "4090"),), ("d",)),
    GpuPeaks("NVIDIA GeForce RTX 3090", _f(35.6 * T, 35.6 * T, 71 * T, 71 * T), 936 * G,
             "NVIDIA Ampere GA102 GPU architecture whitepaper, RTX 3090 column (dense; FP16/BF16 "
             "tensor with FP32 accumulate)", (("rtx", "3090"),), ("ti",)),
    GpuPeaks("NVIDIA GeForce RTX 2080 Ti", _f(13.4 * T, None, 53.8 * T, None), 616 * G,
             "NVIDIA Turing GPU architecture whitepaper, RTX 2080 Ti reference (1545 MHz boost) column; "
             "FP16 tensor with FP32 accumulate; no TF32 or BF16 on Turing", (("2080", "ti"),)),
    GpuPeaks("NVIDIA Tesla V100 SXM2", _f(15.7 * T, None, 125 * T, None), 900 * G,
             "NVIDIA Tesla V100 GPU datasheet, SXM2 column (FP16 = tensor performance); no TF32 or "
             "BF16 on Volta", (("v100", "sxm2"),)),
    GpuPeaks("NVIDIA Tesla V100 PCIe", _f(14 * T, None, 112 * T, None), 900 * G,
             "NVIDIA Tesla V100 GPU datasheet, PCIe column (FP16 = tensor performance); no TF32 or "
             "BF16 on Volta", (("v100", "pcie"),)),
    GpuPeaks("NVIDIA Tesla T4", _f(8.1 * T, None, 65 * T, None), 320 * G,
             "NVIDIA T4 Tensor Core GPU datasheet (FP16 = mixed-precision tensor figure); no TF32 or "
             "BF16 on Turing", (("t4",),)),
    GpuPeaks("NVIDIA GeForce GTX 1080 Ti", _f(3584 * 2 * 1582e6), 484 * G,
             "NVIDIA GeForce GTX 1080 Ti specifications: 3584 CUDA cores x 2 x 1582 MHz boost, 11 Gbps "
             "GDDR5X, 484 GB/s; Pascal GP102 has no tensor cores and its FP16 rate is not in the "
             "specifications", (("1080", "ti"),)),
    GpuPeaks("NVIDIA TITAN Xp", _f(3840 * 2 * 1582e6), 547.7 * G,
             "NVIDIA TITAN Xp specifications: 3840 CUDA cores x 2 x 1582 MHz boost, 547.7 GB/s; no "
             "tensor cores", (("titan", "xp"),)),
    GpuPeaks("NVIDIA TITAN X (Pascal)", _f(3584 * 2 * 1531e6), 480 * G,
             "NVIDIA TITAN X (Pascal) specifications: 3584 CUDA cores x 2 x 1531 MHz boost, 480 GB/s; "
             "no tensor cores", (("titan", "x", "pascal"),)),
    GpuPeaks("NVIDIA GeForce GTX TITAN X (Maxwell)", _f(3072 * 2 * 1075e6), 336.5 * G,
             "NVIDIA GeForce GTX TITAN X specifications: 3072 CUDA cores x 2 x 1075 MHz boost, "
             "336.5 GB/s; no tensor cores", (("gtx", "titan", "x"),), ("pascal",)),
)
_EXCLUDE_ALWAYS = ("laptop", "mobile", "max", "notebook")  # mobile parts have other clocks


def _tokens(name: str) -> set[str]:
    return set(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def lookup_gpu(name: str) -> GpuPeaks | None:
    """The table entry for a `torch.cuda.get_device_name()` string, or None when no entry (or more
    than one) matches: "NVIDIA H200", "NVIDIA GeForce RTX 4090", "Tesla T4", "NVIDIA A100-SXM4-80GB"."""
    tokens = _tokens(name)
    if tokens & set(_EXCLUDE_ALWAYS):
        return None
    hits = [e for e in GPU_TABLE
            if any(set(alt) <= tokens for alt in e.match) and not tokens & set(e.exclude)]
    return hits[0] if len(hits) == 1 else None


# -- the cache -------------------------------------------------------------------------------------
def cache_path() -> Path:
    """``$ARENA_CACHE_DIR/peaks.json``, else ``$XDG_CACHE_HOME/arena/peaks.json``, else
    ``~/.cache/arena/peaks.json``."""
    if os.environ.get("ARENA_CACHE_DIR"):
        return Path(os.environ["ARENA_CACHE_DIR"]).expanduser() / "peaks.json"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "arena" / "peaks.json"


def _valid_rate(x: Any) -> bool:
    return isinstance(x, dict) and isinstance(x.get("value"), (int, float)) and x["value"] > 0 \
        and math.isfinite(x["value"])


def _valid_entry(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("flops"), dict)
            and all(k in DTYPES and _valid_rate(v) for k, v in entry["flops"].items())
            and (entry.get("bandwidth") is None or _valid_rate(entry["bandwidth"])))


def load_cache(path: Path | None = None) -> dict[str, dict]:
    """The cached calibrations by device key; a missing file is empty, a damaged file or entry is
    ignored with a warning (the next calibration rewrites it)."""
    path = path or cache_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as e:
        warnings.warn(f"cannot read the peaks cache {path} ({e.strerror}): ignoring it", stacklevel=2)
        return {}
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION \
                or not isinstance(data.get("devices"), dict):
            raise ValueError(f"not a version-{CACHE_VERSION} peaks cache")
    except ValueError as e:
        warnings.warn(f"ignoring the damaged peaks cache {path} ({str(e).splitlines()[0]}): "
                      f"`arena bench --calibrate` rewrites it", stacklevel=2)
        return {}
    devices = {}
    for key, entry in data["devices"].items():
        if _valid_entry(entry):
            devices[key] = entry
        else:
            warnings.warn(f"ignoring the damaged entry {key!r} of the peaks cache {path}: "
                          f"`arena bench --calibrate` rewrites it", stacklevel=2)
    return devices


def _write_cache(devices: dict[str, dict], path: Path) -> None:
    """Atomic: a temp file in the same folder, fsync, os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".peaks.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": CACHE_VERSION, "devices": devices}, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- devices ---------------------------------------------------------------------------------------
def _device(device: str):
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ArenaError(f"unknown device {device!r}: use cpu, cuda or cuda:N") from e
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ArenaError(f"device {device!r} asked for, but torch sees no CUDA GPU: use --device cpu")
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise ArenaError(f"no GPU {index}: torch sees {torch.cuda.device_count()} (use cuda:0 ...)")
        return torch.device("cuda", index)
    if dev.type != "cpu":
        raise ArenaError(f"device {device!r} is not supported for peaks: use cpu or cuda[:N]")
    return dev


def _threads(threads: int | None) -> int:
    import torch

    if threads is not None and threads < 1:
        raise ArenaError(f"threads must be at least 1, got {threads}")
    return threads or torch.get_num_threads()


def device_key(device: str = "cpu", threads: int | None = None) -> tuple[str, str]:
    """(cache key, human description) of a device: CPU model and thread count, or the GPU's name."""
    import torch

    dev = _device(device)
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
        return f"cuda|{name}", name
    from arena.env import cpu_model

    n = _threads(threads)
    return f"cpu|{cpu_model()}|{n} threads", f"{cpu_model()}, {n} threads"


def _check_dtype(dtype: str, dev) -> None:
    import torch

    if dtype not in DTYPES:
        raise ArenaError(f"unknown dtype {dtype!r}: choose from {', '.join(DTYPES)}")
    if dtype == "tf32":
        if dev.type != "cuda" or torch.cuda.get_device_capability(dev) < (8, 0):
            raise ArenaError("tf32 is a tensor-core mode of Ampere and newer GPUs: use fp32 on this device")
    if dtype == "bf16" and dev.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ArenaError(f"{torch.cuda.get_device_name(dev)} cannot run bf16: use fp16 or fp32")


def _default_dtypes(dev) -> tuple[str, ...]:
    import torch

    if dev.type == "cpu":
        return ("fp32",)
    out = ["fp32"]
    if torch.cuda.get_device_capability(dev) >= (8, 0):
        out.append("tf32")
    out.append("fp16")
    if torch.cuda.is_bf16_supported():
        out.append("bf16")
    return tuple(out)


@contextlib.contextmanager
def _matmul_precision(dtype: str):
    """fp32 GEMMs on CUDA run in IEEE fp32 for "fp32" and on tensor cores for "tf32"; restored after."""
    import torch

    m = torch.backends.cuda.matmul
    if hasattr(m, "fp32_precision"):
        old = m.fp32_precision
        m.fp32_precision = "tf32" if dtype == "tf32" else "ieee"
        try:
            yield
        finally:
            m.fp32_precision = old
    else:  # pragma: no cover - torch before the fp32_precision switch
        old = m.allow_tf32
        m.allow_tf32 = dtype == "tf32"
        try:
            yield
        finally:
            m.allow_tf32 = old


@contextlib.contextmanager
def _num_threads(dev, threads: int | None):
    import torch

    if dev.type != "cpu":
        yield None
        return
    old = torch.get_num_threads()
    n = _threads(threads)
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(old)


# -- measuring -------------------------------------------------------------------------------------
def _time(fn: Callable[[], Any], dev, *, warmup: int, repeats: int, target_s: float,
          max_inner: int = 1000) -> tuple[list[float], int]:
    """Seconds per call of `fn`, one figure per repeat, and the calls per repeat: after warm-up,
    one timed call sets `inner` so that a repeat lasts about `target_s`; each repeat is the mean of
    `inner` back-to-back calls. CUDA events with synchronisation on GPU, perf_counter on CPU."""
    import torch

    def run(inner: int) -> float:
        if dev.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(inner):
                fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1e3 / inner
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        return (time.perf_counter() - t0) / inner

    with torch.cuda.device(dev) if dev.type == "cuda" else contextlib.nullcontext():
        for _ in range(warmup):
            fn()
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        one = run(1)
        inner = max(1, min(max_inner, math.ceil(target_s / one))) if one > 0 else max_inner
        return [run(inner) for _ in range(repeats)], inner


def _torch_dtype(dtype: str):
    import torch

    return {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[dtype]


def _gemm_plan(dev, quick: bool) -> dict[str, Any]:
    if dev.type == "cuda":
        return {"n": 2048 if quick else 8192, "warmup": 3, "repeats": 3 if quick else 10,
                "target_s": 0.02 if quick else 0.1}
    return {"n": 512 if quick else 2048, "warmup": 1, "repeats": 3 if quick else 5,
            "target_s": 0.01 if quick else 0.1}


def _measure_gemm(dev, dtype: str, quick: bool) -> dict[str, Any]:
    """Achieved FLOP/s of an n x n x n torch.mm (2 n^3 FLOP), best of the repeats."""
    import torch

    plan = _gemm_plan(dev, quick)
    n = plan["n"]
    gen = torch.Generator(device=dev).manual_seed(0)
    a = torch.randn(n, n, device=dev, dtype=_torch_dtype(dtype), generator=gen)
    b = torch.randn(n, n, device=dev, dtype=_torch_dtype(dtype), generator=gen)
    c = torch.empty(n, n, device=dev, dtype=_torch_dtype(dtype))
    with _matmul_precision(dtype), torch.inference_mode():
        times, inner = _time(lambda: torch.mm(a, b, out=c), dev, warmup=plan["warmup"],
                             repeats=plan["repeats"], target_s=plan["target_s"])
    best = min(times)
    return {"value": 2 * n ** 3 / best, **plan, "inner": inner, "best_s": best, "times_s": times}


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
    """Array size: 4 x the last-level cache, between 64 MiB and 1 GiB per array (16 MiB when quick),
    and at most an eighth of the free memory on CPU."""
    import torch

    llc = _llc_bytes(dev)
    if quick:
        per = 16 << 20
    else:
        per = min(max(4 * (llc or 0), 64 << 20), 1 << 30)
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
        times, inner = _time(lambda: torch.add(b, c, alpha=3.0, out=a), dev, warmup=plan["warmup"],
                             repeats=plan["repeats"], target_s=plan["target_s"])
    best = min(times)
    return {"value": 3 * n * 4 / best, **plan, "inner": inner, "bytes_per_call": 3 * n * 4, "best_s": best,
            "times_s": times}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def calibrate(device: str = "cpu", dtypes: Sequence[str] | None = None, *, quick: bool = False,
              threads: int | None = None, write: bool = True) -> dict[str, Any]:
    """Measure this device's peaks and cache them (merged with what the cache holds for it).

    `dtypes` defaults to fp32 on CPU and every dtype the GPU runs (tf32 on Ampere and newer, bf16
    where supported). `threads` (CPU) defaults to torch's current count; it is set explicitly for
    the measurement, restored after, recorded, and part of the cache key. `quick` uses small sizes
    (a 512 GEMM and 16 MiB arrays on CPU: not representative, for tests and fallbacks; recorded).

    Returns {"key", "device", "device_name", "threads", "measured_at", "quick", "torch",
    "flops": {dtype: FLOP/s}, "bandwidth": B/s, "protocol": {"gemm": {dtype: {n, warmup, repeats,
    target_s, inner, best_s, times_s}}, "triad": {elements, array_bytes, llc_bytes, beyond_llc, ...},
    "statistic", "timer"}, "cache": path or None}.
    """
    import torch

    dev = _device(device)
    dtypes = tuple(dtypes) if dtypes else _default_dtypes(dev)
    for d in dtypes:
        _check_dtype(d, dev)
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
        path = cache_path()
        devices = load_cache(path)
        entry = devices.get(key) or {"flops": {}}
        entry.update(device_name=name, threads=n_threads, torch=torch.__version__)
        for d, g in gemm.items():
            entry["flops"][d] = {"value": g["value"], "measured_at": stamp, "quick": quick,
                                 "protocol": result["protocol"]["gemm"][d]}
        entry["bandwidth"] = {"value": triad["value"], "measured_at": stamp, "quick": quick,
                              "protocol": result["protocol"]["triad"]}
        devices[key] = entry
        try:
            _write_cache(devices, path)
            result["cache"] = str(path)
        except OSError as e:
            warnings.warn(f"could not write the peaks cache {path} ({e.strerror}): set ARENA_CACHE_DIR "
                          f"to a writable folder", stacklevel=2)
    return result


# -- peaks and the bound ---------------------------------------------------------------------------
def peaks(device: str, dtype: str, *, calibrate_if_missing: bool = True,
          threads: int | None = None) -> dict[str, Any]:
    """{"flops": FLOP/s, "bandwidth": B/s, "source", "device_name", "dtype"} for `device` at `dtype`.

    The cached calibration when it holds this dtype; else the built-in table for a known GPU; else
    (CPU, unknown GPU, a dtype the table lacks) a quick calibration when `calibrate_if_missing`,
    otherwise None figures with a source that says how to get them.
    """
    dev = _device(device)
    _check_dtype(dtype, dev)
    key, name = device_key(device, threads)
    path = cache_path()
    entry = load_cache(path).get(key)
    out = {"device_name": name, "dtype": dtype}
    if entry and dtype in entry["flops"] and entry.get("bandwidth"):
        f, bw = entry["flops"][dtype], entry["bandwidth"]
        quick = " (quick)" if f.get("quick") or bw.get("quick") else ""
        day = str(f.get("measured_at", "?"))[:10]
        return {**out, "flops": f["value"], "bandwidth": bw["value"],
                "source": f"calibrated{quick} {day} on {name} (cache {path})"}
    if dev.type == "cuda":
        row = lookup_gpu(name)
        if row is not None and row.flops.get(dtype) is not None and row.bandwidth is not None:
            return {**out, "flops": row.flops[dtype], "bandwidth": row.bandwidth,
                    "source": f"table: {row.name} ({row.source})"}
    if calibrate_if_missing:
        r = calibrate(device, (dtype,), quick=True, threads=threads)
        where = f"cache {r['cache']}" if r["cache"] else "not cached"
        return {**out, "flops": r["flops"][dtype], "bandwidth": r["bandwidth"],
                "source": f"calibrated (quick) {r['measured_at'][:10]} on {name} ({where})"}
    return {**out, "flops": None, "bandwidth": None,
            "source": f"unknown: no calibration cached for {name} at {dtype} and no table figure "
                      f"(run `arena bench --calibrate`)"}


def roofline(macs: float, bytes_moved: float, p: dict[str, Any]) -> dict[str, Any]:
    """The bound's parts: {"ms", "compute_ms", "memory_ms", "limit": "compute" | "memory"}.

    FLOPs = 2 x MACs. A term whose work is zero needs no peak; a needed peak that is None raises
    ArenaError naming the fix.
    """
    if macs < 0 or bytes_moved < 0:
        raise ValueError(f"MACs and bytes must be non-negative, got {macs} and {bytes_moved}")

    def term(work: float, peak: float | None, what: str) -> float:
        if work == 0:
            return 0.0
        if not peak:
            raise ArenaError(f"no peak {what} known for this device ({p.get('source')}): "
                             f"run `arena bench --calibrate`")
        return work / peak * 1e3

    compute = term(2.0 * macs, p.get("flops"), "FLOP/s")
    memory = term(float(bytes_moved), p.get("bandwidth"), "bandwidth")
    return {"ms": max(compute, memory), "compute_ms": compute, "memory_ms": memory,
            "limit": "compute" if compute >= memory else "memory"}


def bound_ms(macs: float, bytes_moved: float, p: dict[str, Any]) -> float:
    """The roofline lower bound in ms: max(2 x MACs / p["flops"], bytes / p["bandwidth"]) x 1000."""
    return roofline(macs, bytes_moved, p)["ms"]


def efficiency(bound_ms: float, measured_ms: float) -> float:
    """bound / measured: 1.0 runs at the roofline; small values are far from it (launch-bound)."""
    if not measured_ms > 0:
        raise ValueError(f"measured time must be positive, got {measured_ms}")
    return bound_ms / measured_ms


def table_rows() -> list[dict[str, Any]]:
    """The built-in table as plain rows (for `arena bench --calibrate --json` and the README)."""
    return [{"name": e.name, **{f"{d}_flops": e.flops.get(d) for d in DTYPES}, "bandwidth": e.bandwidth,
             "source": e.source} for e in GPU_TABLE]


__all__ = ["DTYPES", "GPU_TABLE", "GpuPeaks", "bound_ms", "cache_path", "calibrate", "device_key",
           "efficiency", "load_cache", "lookup_gpu", "peaks", "roofline", "table_rows"]
