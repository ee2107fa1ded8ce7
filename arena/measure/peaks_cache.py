"""The one cache of device peaks, and the devices and dtypes a peak is for.

One JSON file, ``$ARENA_CACHE_DIR/peaks.json`` when that variable is set, else
``$XDG_CACHE_HOME/arena/peaks.json``, else ``~/.cache/arena/peaks.json``; keyed by
``cpu|<CPU model>|<threads> threads`` or ``cuda|<GPU name>``; rewritten atomically. A damaged
cache is ignored with a warning and replaced by the next calibration. Written only by
arena.measure.calibrate, read by arena.measure.peaks.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from arena.errors import ArenaError
from arena.measure.timing import DTYPES

CACHE_VERSION = 1
PEAK_DTYPES = (*DTYPES, "int8")  # int8: the CPU engines' static int8 (arena.measure.quantize)


# -- the cache -------------------------------------------------------------------------------------
def cache_path() -> Path:
    """``peaks.json`` in arena's cache folder (`arena.cache.cache_dir`)."""
    from arena.cache import cache_dir

    return cache_dir() / "peaks.json"


def _valid_rate(x: Any) -> bool:
    return isinstance(x, dict) and isinstance(x.get("value"), (int, float)) and x["value"] > 0 \
        and math.isfinite(x["value"])


def _valid_entry(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("flops"), dict)
            and all(k in PEAK_DTYPES and _valid_rate(v) for k, v in entry["flops"].items())
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


def write_cache(devices: dict[str, dict], path: Path) -> None:
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
def resolve_device(device: str):
    """The torch.device of "cpu", "cuda" or "cuda:N", or one line saying why it cannot be used."""
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


def thread_count(threads: int | None) -> int:
    import torch

    if threads is not None and threads < 1:
        raise ArenaError(f"threads must be at least 1, got {threads}")
    return threads or torch.get_num_threads()


def device_key(device: str = "cpu", threads: int | None = None) -> tuple[str, str]:
    """(cache key, human description) of a device: CPU model and thread count, or the GPU's name."""
    import torch

    dev = resolve_device(device)
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
        return f"cuda|{name}", name
    from arena.env import cpu_model

    n = thread_count(threads)
    return f"cpu|{cpu_model()}|{n} threads", f"{cpu_model()}, {n} threads"


def check_dtype(dtype: str, dev) -> None:
    import torch

    if dtype not in PEAK_DTYPES:
        raise ArenaError(f"unknown dtype {dtype!r}: choose from {', '.join(PEAK_DTYPES)}")
    if dtype == "int8" and dev.type != "cpu":
        raise ArenaError("int8 runs on the CPU engines (ONNX Runtime, OpenVINO): measure its peak with --device cpu")
    if dtype == "tf32":
        if dev.type != "cuda" or torch.cuda.get_device_capability(dev) < (8, 0):
            raise ArenaError("tf32 is a tensor-core mode of Ampere and newer GPUs: use fp32 on this device")
    if dtype == "bf16" and dev.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ArenaError(f"{torch.cuda.get_device_name(dev)} cannot run bf16: use fp16 or fp32")
