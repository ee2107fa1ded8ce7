"""The axes a speed-accuracy plot can have: what each quantity is, which way is better, and the
settings it depends on (a latency depends on the device, a parameter count on nothing)."""
from __future__ import annotations

from dataclasses import dataclass

from arena.report import frames


@dataclass(frozen=True)
class Axis:
    column: str  # in frames.summary
    label: str
    better: str  # "min" or "max"
    keys: tuple[str, ...]  # the settings this quantity depends on (besides dataset and schedule)
    hint: str  # the command that produces it
    published: str | None  # the column of published.frame() on this axis


X_AXES = {
    "latency": Axis("latency_ms", "latency (ms, median)", "min", ("device", "precision", "mode", "resolution"),
                    "`arena bench SPEC` measures it", "latency_ms"),
    "fps": Axis("fps", "FPS (frames per second)", "max", ("device", "precision", "mode", "resolution"),
                "`arena bench SPEC` measures it", "fps"),
    "gmacs": Axis("gmacs", "GMACs (1e9 multiply-adds; GFLOPs = 2 x GMACs)", "min", ("resolution",),
                  "`arena profile SPEC` counts it", "gmacs"),
    "params": Axis("params", "parameters (M, inference)", "min", (), "`arena profile SPEC` counts it", "params_m"),
}
Y_AXES = {"miou": Axis("miou", "mIoU (%)", "max", (), frames._ACCURACY_HINT, "miou")}
