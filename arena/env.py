"""The environment fingerprint every result row carries, and the git commit of the code that made it.

Absent facts are None, never guessed: a row measured without a GPU says so by omission of nothing.
"""
from __future__ import annotations

import functools
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from arena.telemetry import GPU_FIELDS, cpu_mhz, cpu_temperature, gpu_telemetry


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the arena checkout (read-only git call); outside a git checkout (a tree copied to a
    GPU machine) the ARENA_GIT_COMMIT environment variable, which benchmarks/gpu_check.sh sets from
    the commit recorded before the copy; else None."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        found = out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        found = ""
    return found or os.environ.get("ARENA_GIT_COMMIT", "").strip() or None


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment() -> dict[str, Any]:
    """What the numbers may depend on: Python, torch, platform, CPU, and the GPU stack when present."""
    env: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                           "machine": platform.machine(), "cpu": cpu_model(), "cpus": os.cpu_count()}
    import torch

    env["torch"] = torch.__version__
    if torch.cuda.is_available():
        env.update(gpu=torch.cuda.get_device_name(0), cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version())
    return env


# -- the bench and train fingerprint -------------------------------------------------------------
FINGERPRINT_FIELDS = ("python", "platform", "machine", "cpu", "cpus", "torch", "cuda", "cudnn", "device",
                      "device_name", "threads", "cpu_mhz", "cpu_temp_c", "cpu_temp_sensor") + GPU_FIELDS


def fingerprint(device: str = "cpu", threads: int | None = None) -> dict[str, Any]:
    """`environment()` plus what a latency depends on, for `arena bench` rows (DESIGN.md §6).

    Keys (FINGERPRINT_FIELDS, every one present, None when unreadable, never guessed): python,
    platform, machine, cpu, cpus, torch, cuda (torch's CUDA build), cudnn, device, device_name
    (the GPU's name on cuda, the CPU model on cpu), threads (the count the run used: `threads`, else
    torch's current count), cpu_mhz, cpu_temp_c, cpu_temp_sensor, and for a cuda device gpu,
    gpu_driver, gpu_sm_clock_mhz, gpu_mem_clock_mhz, gpu_sm_clock_max_mhz, gpu_temp_c, gpu_power_w,
    gpu_telemetry ("pynvml" or "nvidia-smi": where the GPU figures came from). Cheap: no GPU work,
    at most one nvidia-smi call.
    """
    fp: dict[str, Any] = dict.fromkeys(FINGERPRINT_FIELDS)
    fp.update(environment())
    fp["device"], fp["device_name"] = device, fp["cpu"]
    temp, sensor = cpu_temperature()
    fp.update(cpu_mhz=cpu_mhz(), cpu_temp_c=temp, cpu_temp_sensor=sensor)
    import torch

    fp["threads"] = threads if threads is not None else torch.get_num_threads()
    fp["cuda"] = torch.version.cuda
    fp["cudnn"] = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    if not device.startswith("cuda"):
        return fp
    fp["device_name"] = None
    if not torch.cuda.is_available():
        return fp
    try:
        dev = torch.device(device)
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
    except (RuntimeError, AssertionError, ValueError):
        return fp
    uuid = getattr(props, "uuid", None)
    fp["device_name"] = fp["gpu"] = props.name
    fp.update({k: v for k, v in gpu_telemetry(str(uuid) if uuid else None).items() if k != "gpu" or v})
    return fp
