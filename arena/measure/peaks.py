"""Device peaks for the roofline bound (peak FLOP/s per dtype, peak bandwidth): which figure is used.

Each figure comes, in this order, from

1. a full calibration cached for this device (`arena bench --calibrate`, arena.measure.calibrate);
2. the built-in datasheet table (arena.measure.datasheets) for a known GPU;
3. a quick calibration (cached, or measured now when allowed): small sizes, never preferred over a
   datasheet figure, because its GEMM is short and, on a GPU whose L2 is large, its arrays may sit in
   the cache (an H200's 60 MB L2 holds three 16 MiB arrays).

The rooms: arena.measure.datasheets (the table, with sources), arena.measure.calibrate (the
measurement), arena.measure.peaks_cache (the one cache, keyed by device), and this module, which
chooses.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from arena.measure.datasheets import lookup_gpu
from arena.measure.peaks_cache import cache_path, check_dtype, device_key, load_cache, resolve_device


# -- the figures -----------------------------------------------------------------------------------
def _cached(figure: dict | None, name: str, path: Path) -> tuple[float, str, bool] | None:
    """(value, source, quick) of one cached figure."""
    if not figure:
        return None
    quick = bool(figure.get("quick"))
    day = str(figure.get("measured_at", "?"))[:10]
    return figure["value"], f"calibrated{' (quick)' if quick else ''} {day} on {name} (cache {path})", quick


def _choose(cached: tuple[float, str, bool] | None, table: float | None, table_source: str):
    """A full calibration, else the table, else a quick calibration: (value, source) or None."""
    if cached and not cached[2]:
        return cached[:2]
    if table is not None:
        return table, table_source
    return cached[:2] if cached else None


def peaks(device: str, dtype: str, *, calibrate_if_missing: bool = True,
          threads: int | None = None) -> dict[str, Any]:
    """{"flops": FLOP/s, "bandwidth": B/s, "source", "device_name", "dtype"} for `device` at `dtype`.

    Each figure by the order of the module docstring; when one is still missing (CPU, unknown GPU,
    a dtype the table lacks) a quick calibration when `calibrate_if_missing`, otherwise None figures
    with a source that says how to get them.
    """
    dev = resolve_device(device)
    check_dtype(dtype, dev)
    key, name = device_key(device, threads)
    path = cache_path()
    entry = load_cache(path).get(key) or {"flops": {}}
    row = lookup_gpu(name) if dev.type == "cuda" else None
    table_source = f"table: {row.name} ({row.source})" if row else ""
    flops = _choose(_cached(entry["flops"].get(dtype), name, path), row.flops.get(dtype) if row else None,
                    table_source)
    bandwidth = _choose(_cached(entry.get("bandwidth"), name, path), row.bandwidth if row else None, table_source)
    out = {"device_name": name, "dtype": dtype}
    if flops and bandwidth:
        source = flops[1] if flops[1] == bandwidth[1] else f"FLOP/s {flops[1]}; bandwidth {bandwidth[1]}"
        return {**out, "flops": flops[0], "bandwidth": bandwidth[0], "source": source}
    if calibrate_if_missing:
        from arena.measure.calibrate import calibrate

        r = calibrate(device, (dtype,), quick=True, threads=threads)
        where = f"cache {r['cache']}" if r["cache"] else "not cached"
        quick = f"calibrated (quick) {r['measured_at'][:10]} on {name} ({where})"
        flops = flops or (r["flops"][dtype], quick)
        bandwidth = bandwidth or (r["bandwidth"], quick)
        source = flops[1] if flops[1] == bandwidth[1] else f"FLOP/s {flops[1]}; bandwidth {bandwidth[1]}"
        return {**out, "flops": flops[0], "bandwidth": bandwidth[0], "source": source}
    return {**out, "flops": None, "bandwidth": None,
            "source": f"unknown: no calibration cached for {name} at {dtype} and no table figure "
                      f"(run `arena bench --calibrate`)"}


__all__ = ["peaks"]
