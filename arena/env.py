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


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the arena checkout, or None outside a git checkout (read-only git call)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


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
    try:
        import torch

        env["torch"] = torch.__version__
        if torch.cuda.is_available():
            env.update(gpu=torch.cuda.get_device_name(0), cuda=torch.version.cuda,
                       cudnn=torch.backends.cudnn.version())
    except ImportError:  # pragma: no cover - torch is a hard dependency
        pass
    return env
