"""Side-by-side modes: repeated protocol options of `arena bench` expand into cases timed together.

Why: "what does ONNX Runtime (bf16, BN folding, compile) buy on this device?" is answered by one
interleaved run of both modes, paired round by round, not by two runs minutes apart.

The cases are the product of the specs, the resolutions and the values of every mode option (in
the order given; a boolean flag given both ways, `--fuse-bn --no-fuse-bn`, is both values). A
combination that cannot run is refused before any network is built, in one line naming it. When
several modes are compared, each case is compared with the first mode of its own network and
resolution (its `group`), and its label names what sets its mode apart (`fanet18 @ 512x1024
[onnxruntime]`); with one mode, cases and labels are as they always were.
"""
from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Iterable

from arena.measure.prepare import Case
from arena.measure.protocol import ENGINE_DTYPES, ENGINES, BenchError, Protocol, check_protocol

# the options that may be repeated, in the order the product takes them (the last varies fastest)
MODE_OPTIONS = {"backend": "--backend", "dtype": "--dtype", "autocast": "--autocast",
                "channels_last": "--channels-last", "compile": "--compile", "cuda_graphs": "--cuda-graphs",
                "fuse_bn": "--fuse-bn", "batch": "--batch"}
REDUCED = ("fp16", "bf16")


def mode_protocols(base: Protocol, values: dict[str, Iterable[Any] | None]) -> list[Protocol]:
    """`base` with every combination of `values` (field -> the values given; None or empty: base's),
    in the order given. Autocast applies to fp16 and bf16 only, so an fp32 or tf32 combination
    records autocast off; combinations that then coincide count once. int8 runs on the engines only:
    with an engine among the backends, `--backend eager --dtype int8` is not formed (eager fp32 vs an
    engine's fp32 and int8 in one call); alone, it is refused by `check_modes`."""
    unknown = set(values) - set(MODE_OPTIONS)
    if unknown:
        raise ValueError(f"not mode options: {', '.join(sorted(unknown))}")
    axes = [list(dict.fromkeys(values.get(f) or [getattr(base, f)])) for f in MODE_OPTIONS]
    protocols: list[Protocol] = []
    engines = [b for b in axes[0] if b in ENGINES]
    for combo in itertools.product(*axes):
        p = dataclasses.replace(base, **dict(zip(MODE_OPTIONS, combo)))
        if engines and p.dtype in ENGINE_DTYPES and p.backend not in ENGINES:
            continue
        if p.autocast and p.dtype not in REDUCED:
            p = dataclasses.replace(p, autocast=False)
        if p not in protocols:
            protocols.append(p)
    return protocols


def varied_fields(protocols: list[Protocol]) -> list[str]:
    """The mode options whose value differs between the protocols."""
    return [f for f in MODE_OPTIONS if len({getattr(p, f) for p in protocols}) > 1]


def mode_label(p: Protocol, fields: list[str]) -> str:
    """A short name of `p`'s mode from the varied `fields`: "onnxruntime", "bf16 autocast, BN folded"."""
    parts = []
    if "dtype" in fields or "autocast" in fields:
        parts.append(p.dtype + (" autocast" if p.autocast else " cast" if p.dtype in REDUCED else ""))
    words = {"backend": p.backend, "channels_last": "channels_last" if p.channels_last else "contiguous",
             "compile": f"compile {p.compile}" if p.compile != "none" else "no compile",
             "cuda_graphs": "CUDA graphs" if p.cuda_graphs else "no CUDA graphs",
             "fuse_bn": "BN folded" if p.fuse_bn else "BN kept", "batch": f"batch {p.batch}"}
    parts += [words[f] for f in fields if f in words]
    return ", ".join(parts)


def as_flags(p: Protocol, fields: list[str]) -> str:
    """`p`'s mode options as a user types them: the varied ones and those off their default."""
    default = Protocol()
    shown = [f for f in MODE_OPTIONS if f in fields or getattr(p, f) != getattr(default, f)]
    out = []
    for f in shown:
        value, flag = getattr(p, f), MODE_OPTIONS[f]
        if isinstance(value, bool):
            out.append(flag if value else "--no-" + flag[2:])
        else:
            out.append(f"{flag} {value}")
    return " ".join(out)


def check_modes(protocols: list[Protocol]) -> None:
    """Every combination checked before anything is built; with several, the refusal names the one."""
    fields = varied_fields(protocols)
    for p in protocols:
        try:
            check_protocol(p)
        except BenchError as e:
            if len(protocols) == 1:
                raise
            raise BenchError(f"the combination {as_flags(p, fields)} cannot run: {e}") from None


def expand(specs: list[str], resolutions: list[tuple[int, int]], protocols: list[Protocol],
           swaps: list[str] | None = None) -> list[Case]:
    """The cases: specs x resolutions x modes (the mode varying fastest), grouped by network and
    resolution (a latency ratio is between modes of one network); `swaps` (the CLI's `--swap`) apply to
    every spec."""
    fields = varied_fields(protocols)
    several = len(protocols) > 1
    return [Case(spec, res, p, swaps=tuple(swaps or ()), group=f"{spec} @ {res[0]}x{res[1]}",
                 mode=mode_label(p, fields) if several else "")
            for spec in specs for res in resolutions for p in protocols]


__all__ = ["MODE_OPTIONS", "as_flags", "check_modes", "expand", "mode_label", "mode_protocols", "varied_fields"]
