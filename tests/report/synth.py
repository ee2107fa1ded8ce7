"""Synthetic result rows for the report tests: built with `arena.results.make_row` and written with
`arena.store.Store.append`, as the measuring commands write them, but with hand-chosen numbers."""
from __future__ import annotations

from pathlib import Path

import arena
from arena import results
from arena.networks import VARIANTS
from arena.store import Store

GPU = {"python": "3.11", "torch": "2.13.0", "cpu": "Test CPU", "cpus": 16, "device": "cuda:0",
       "device_name": "NVIDIA H200", "gpu": "NVIDIA H200", "threads": 16}
GPU2 = {**GPU, "device_name": "NVIDIA L4", "gpu": "NVIDIA L4"}
CPU = {"python": "3.11", "torch": "2.13.0", "cpu": "Test CPU", "cpus": 2, "device": "cpu",
       "device_name": "Test CPU", "threads": 2}


def identity(spec: str) -> dict:
    return arena.resolve(spec).row_fields()


def profile(spec: str, params: int, gmacs: float, res=(512, 1024)) -> dict:
    return results.make_row("profile", identity(spec), {"params_inference": params, "params_total": params,
                                                        "gmacs": gmacs, "macs": int(gmacs * 1e9)},
                            protocol={"res": list(res), "batch": 1, "dtype": "float32", "mode": "eval"},
                            environment_=CPU)


def bench(spec: str, ms: float, res=(512, 1024), env=GPU, dtype="fp32", **protocol) -> dict:
    proto = {"device": env["device"], "dtype": dtype, "batch": 1, "compile": "none", "backend": "eager",
             "fuse_bn": False, "include_resize": True, "threads": env["threads"], "res": list(res),
             "resolution": f"{res[0]}x{res[1]}", **protocol}
    metrics = {"median_ms": ms, "p10_ms": 0.98 * ms, "p90_ms": 1.02 * ms, "fps": 1000.0 / ms}  # a 4 % spread
    return results.make_row("bench", identity(spec), metrics, protocol=proto, environment_=env)


def train(spec: str, miou: float, seed: int, schedule="demo", dataset="synthetic", iters: int | None = None) -> dict:
    protocol = {"device": "cpu"}
    if iters is not None:  # a schedule record, as real rows hold it: its iterations are part of the setting
        protocol["schedule"] = {"name": schedule, "iters": iters, "batch": 4, "crop": [128, 256]}
    return results.make_row("train", identity(spec), {"miou": miou}, protocol=protocol,
                            dataset=dataset, schedule=schedule, seed=seed, environment_=CPU)


def write(folder: Path, rows: list[dict]) -> Path:
    Store(folder).append(rows)
    return Path(folder)


def study(folder: Path) -> Path:
    """Three base networks and two hybrids on one GPU at 512x1024, trained with 3 seeds each.

    Hand-checked front for latency (min) vs mIoU (max): sgcpnet (2 ms, 50.0), fast_scnn (4 ms, 55.0),
    fast_scnn[upsampler=gai] (6 ms, 58.0). fanet18 (8 ms, 56.0) is dominated by the GAI hybrid;
    fanet18[upsampler=gai] (12 ms, 57.0) likewise.
    """
    nets = {  # spec: (params, gmacs, ms, mIoU per seed)
        "sgcpnet": (VARIANTS["sgcpnet"].params, 0.90, 2.0, (0.49, 0.50, 0.51)),
        "fast_scnn": (VARIANTS["fast_scnn"].params, 1.78, 4.0, (0.54, 0.55, 0.56)),
        "fast_scnn[upsampler=gai]": (1_200_000, 2.50, 6.0, (0.57, 0.58, 0.59)),
        "fanet18": (13_670_208, 16.70, 8.0, (0.55, 0.56, 0.57)),
        "fanet18[upsampler=gai]": (13_800_000, 18.00, 12.0, (0.56, 0.57, 0.58)),
    }
    rows = []
    for spec, (params, gmacs, ms, mious) in nets.items():
        rows.append(profile(spec, params, gmacs))
        rows.append(bench(spec, ms))
        rows += [train(spec, m, seed) for seed, m in enumerate(mious)]
    return write(folder, rows)
