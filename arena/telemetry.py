"""Telemetry a latency depends on: GPU clocks, temperature and power (pynvml, else nvidia-smi),
and the CPU's clock and temperature (sysfs). Read by `arena.env.fingerprint` for bench rows.

Absent facts are None, never guessed. Cheap: no GPU work, at most one nvidia-smi call.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any


GPU_FIELDS = ("gpu", "gpu_driver", "gpu_sm_clock_mhz", "gpu_mem_clock_mhz", "gpu_sm_clock_max_mhz",
              "gpu_temp_c", "gpu_power_w", "gpu_telemetry")
# nvidia-smi --query-gpu fields, in the order parse_nvidia_smi reads them
NVSMI_QUERY = ("index", "uuid", "name", "driver_version", "clocks.sm", "clocks.mem", "clocks.max.sm",
               "temperature.gpu", "power.draw")
_NVSMI_KEYS = ("index", "uuid", "gpu", "gpu_driver", "gpu_sm_clock_mhz", "gpu_mem_clock_mhz",
               "gpu_sm_clock_max_mhz", "gpu_temp_c", "gpu_power_w")
_CPU_THERMAL_TYPES = ("x86_pkg_temp", "cpu-thermal", "cpu_thermal", "cpu0-thermal", "soc_thermal", "cpu")
_CPU_HWMON_NAMES = ("coretemp", "k10temp", "zenpower", "cpu_thermal")


def _number(text: str) -> float | None:
    """A number from nvidia-smi or /sys, or None for "[N/A]", "[Not Supported]", "" and the like."""
    text = text.strip().split()[0] if text.strip() else ""
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def parse_nvidia_smi(text: str) -> list[dict[str, Any]]:
    """Rows of `nvidia-smi --query-gpu=<NVSMI_QUERY> --format=csv,noheader,nounits`, one per GPU."""
    rows = []
    for line in text.strip().splitlines():
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(NVSMI_QUERY):
            continue
        row: dict[str, Any] = {}
        for key, cell in zip(_NVSMI_KEYS, cells):
            if key in ("uuid", "gpu", "gpu_driver"):
                row[key] = cell if cell and not cell.startswith("[") else None
            else:
                row[key] = _number(cell)
        row["index"] = int(row["index"]) if row["index"] is not None else None
        for key in ("gpu_sm_clock_mhz", "gpu_mem_clock_mhz", "gpu_sm_clock_max_mhz"):
            row[key] = int(row[key]) if row[key] is not None else None
        rows.append(row)
    return rows


def _pick(rows: list[dict[str, Any]], uuid: str | None) -> dict[str, Any] | None:
    """The row of the GPU torch uses: by UUID; without one, only when a single GPU is listed
    (CUDA and nvidia-smi may number GPUs differently, so an index is never trusted)."""
    if uuid:
        want = uuid.lower().removeprefix("gpu-")
        hits = [r for r in rows if (r.get("uuid") or "").lower().removeprefix("gpu-") == want]
        return hits[0] if hits else None
    return rows[0] if len(rows) == 1 else None


def _nvidia_smi(uuid: str | None) -> dict[str, Any] | None:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, f"--query-gpu={','.join(NVSMI_QUERY)}", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    row = _pick(parse_nvidia_smi(out.stdout), uuid)
    if row is None:
        return None
    return {**{k: row[k] for k in GPU_FIELDS if k in row}, "gpu_telemetry": "nvidia-smi"}


def _pynvml(uuid: str | None) -> dict[str, Any] | None:
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # NVMLError: no driver, no GPU
        return None
    try:
        if uuid:
            handle = pynvml.nvmlDeviceGetHandleByUUID("GPU-" + uuid.lower().removeprefix("gpu-"))
        elif pynvml.nvmlDeviceGetCount() == 1:
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        else:
            return None

        def read(fn, *args, scale=1.0, cast=float):
            try:
                value = fn(*args)
            except Exception:  # NVMLError_NotSupported and friends: unreadable, so None
                return None
            if isinstance(value, bytes):
                value = value.decode()
            return cast(value) if scale == 1.0 else cast(value) / scale

        return {"gpu": read(pynvml.nvmlDeviceGetName, handle, cast=str),
                "gpu_driver": read(pynvml.nvmlSystemGetDriverVersion, cast=str),
                "gpu_sm_clock_mhz": read(pynvml.nvmlDeviceGetClockInfo, handle, pynvml.NVML_CLOCK_SM, cast=int),
                "gpu_mem_clock_mhz": read(pynvml.nvmlDeviceGetClockInfo, handle, pynvml.NVML_CLOCK_MEM, cast=int),
                "gpu_sm_clock_max_mhz": read(pynvml.nvmlDeviceGetMaxClockInfo, handle, pynvml.NVML_CLOCK_SM,
                                             cast=int),
                "gpu_temp_c": read(pynvml.nvmlDeviceGetTemperature, handle, pynvml.NVML_TEMPERATURE_GPU),
                "gpu_power_w": read(pynvml.nvmlDeviceGetPowerUsage, handle, scale=1000.0),  # mW
                "gpu_telemetry": "pynvml"}
    except Exception:
        return None
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def gpu_telemetry(uuid: str | None = None) -> dict[str, Any]:
    """Driver, clocks, temperature and power of one GPU: pynvml when importable, else nvidia-smi
    (5 s timeout), else nothing. Every GPU_FIELDS key is present; unreadable values are None."""
    found = _pynvml(uuid) or _nvidia_smi(uuid) or {}
    return {k: found.get(k) for k in GPU_FIELDS}


def cpu_mhz() -> float | None:
    """The mean current clock of the online CPUs: /sys cpufreq, else /proc/cpuinfo "cpu MHz" (on
    virtual machines often the nominal clock: that is what the kernel reports)."""
    freqs = []
    for f in Path("/sys/devices/system/cpu").glob("cpu[0-9]*/cpufreq/scaling_cur_freq"):
        try:
            freqs.append(int(f.read_text()) / 1000)
        except (OSError, ValueError):
            pass
    if not freqs:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                freqs = [float(line.split(":", 1)[1]) for line in f if line.startswith("cpu MHz")]
        except (OSError, ValueError):
            freqs = []
    return round(sum(freqs) / len(freqs), 1) if freqs else None


def cpu_temperature() -> tuple[float | None, str | None]:
    """(degrees C, sensor) of the CPU package: a /sys/class/thermal zone of a CPU type, else a CPU
    hwmon driver; (None, None) when no sensor is known to be the CPU's."""
    for zone in sorted(Path("/sys/class/thermal").glob("thermal_zone*")):
        try:
            kind = (zone / "type").read_text().strip()
            if kind in _CPU_THERMAL_TYPES:
                return int((zone / "temp").read_text()) / 1000, f"thermal:{kind}"
        except (OSError, ValueError):
            continue
    for mon in sorted(Path("/sys/class/hwmon").glob("hwmon*")):
        try:
            name = (mon / "name").read_text().strip()
            if name in _CPU_HWMON_NAMES:
                return int((mon / "temp1_input").read_text()) / 1000, f"hwmon:{name}"
        except (OSError, ValueError):
            continue
    return None, None
