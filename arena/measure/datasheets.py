"""The built-in table of GPU peaks: vendor datasheet and whitepaper figures, each with its source.

Dense tensor-core peaks (NVIDIA prints the sparse figure for Ampere and newer; the dense one is half
of it). A figure a source does not state is None, never guessed. The roofline prefers a full
calibration of this very device (arena.measure.peaks) and falls back to this table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from arena.measure.timing import DTYPES

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


def table_rows() -> list[dict[str, Any]]:
    """The built-in table as plain rows (for `arena bench --calibrate --json` and the README)."""
    return [{"name": e.name, **{f"{d}_flops": e.flops.get(d) for d in DTYPES}, "bandwidth": e.bandwidth,
             "source": e.source} for e in GPU_TABLE]
