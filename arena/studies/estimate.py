"""What a study will cost on this device, measured before it runs.

For each distinct network of the plan, one training step and one inference forward are timed at a
small size (`PROBE`, batch 2: the faster of two calls after an untimed one) and scaled by pixels x
batch to the job's size: convolutional cost grows with pixels about linearly, and probing at full
size would make the plan itself slow (one step of s2fpn34m at 512x1024, batch 8, takes tens of
seconds on a laptop CPU). Scaling the whole probe, fixed per-call costs included, errs on the long
side; a line fitted through two small probes was tried and dropped: one noisy timing bends its
slope, and the estimate with it, by several times.
The estimate is rough (say +-50 %, more on a machine busy with other work): it is for deciding
whether to start, not a benchmark. Probes are cached per device, thread count, torch version and
network in `estimates.json` beside the peaks cache (`$ARENA_CACHE_DIR`), so a second plan costs
nothing.

A job's estimate: profile a few seconds; bench (timed iterations + a typical warm-up) forwards of
each network timed together; train the schedule's iterations of steps plus one evaluation of the
validation scenes (forwards at the crop).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

PROBE = (128, 256)  # (H, W) of the timing probe
PROBE_BATCH = 2  # training BatchNorm needs two values per channel (pooled branches are 1x1)
PROFILE_S = 3.0  # a profile job: counting on meta tensors, seconds whatever the network
TYPICAL_WARMUP = 10  # bench warm-ups stop when stable, long before their ceiling
CACHE_VERSION = 3


def cache_path() -> Path:
    """``estimates.json`` in arena's cache folder (`arena.cache.cache_dir`), beside the peaks cache."""
    from arena.cache import cache_dir

    return cache_dir() / "estimates.json"


def _key(spec: str, device: str, threads: int) -> str:
    import torch

    from arena.measure.peaks_cache import device_key

    return "|".join([device_key(device, threads)[0], torch.__version__, spec])


FIGURES = ("train_fixed", "train_per_px", "forward_fixed", "forward_per_px")


def _load(path: Path) -> dict[str, Any]:
    """The cached probes; a damaged cache (bytes, depth, shape) or entry is ignored: it costs a re-probe."""
    from arena import jsonl

    try:
        if not path.is_file() or path.stat().st_size > jsonl.MAX_LINE:
            return {}
        data = jsonl.parse(path.read_bytes())
    except (OSError, ValueError):
        return {}
    probes = data.get("probes") if isinstance(data, dict) and data.get("version") == CACHE_VERSION else None
    if not isinstance(probes, dict):
        return {}
    return {k: v for k, v in probes.items() if isinstance(v, dict) and all(
        isinstance(v.get(f), (int, float)) and not isinstance(v.get(f), bool) and 0 <= v[f] < float("inf")
        for f in FIGURES)}


def probe(spec: str, device: str = "cpu", threads: int | None = None) -> dict[str, float]:
    """Seconds per call of a training step and of a forward of `spec` at batch PROBE_BATCH, per pixel:
    {"train_fixed", "train_per_px", "forward_fixed", "forward_per_px"} (fixed costs folded into the
    per-pixel figure, so 0; cached)."""
    import torch

    from arena import atomic
    from arena.api import build
    from arena.checks import cpu_count
    from arena.train.losses import total_loss

    threads = threads or cpu_count()
    path, key = cache_path(), _key(spec, device, threads)
    cached = _load(path)
    if key in cached:
        return cached[key]
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        net = build(spec).to(device)
        opt = torch.optim.SGD(net.parameters(), lr=1e-6)
        x = torch.randn(PROBE_BATCH, 3, *PROBE, device=device)
        labels = torch.zeros(PROBE_BATCH, *PROBE, dtype=torch.long, device=device)

        def step():
            net.train()
            loss, _ = total_loss(net(x), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        def forward():
            net.eval()
            with torch.inference_mode():
                net(x)

        pixels = PROBE[0] * PROBE[1]
        figures = {"train_fixed": 0.0, "train_per_px": _time(step, device) / pixels,
                   "forward_fixed": 0.0, "forward_per_px": _time(forward, device) / pixels}
    finally:
        torch.set_num_threads(previous)
    cached[key] = figures
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_json(path, {"version": CACHE_VERSION, "probes": cached}, indent=1, sort_keys=True)
    except OSError:
        pass  # an unwritable cache costs a re-probe next time, nothing else
    return figures


def _time(fn, device: str, repeats: int = 2) -> float:
    import torch

    fn()  # allocator and first-call costs stay out
    best = float("inf")
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        began = time.perf_counter()
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - began)
    return best


def call_seconds(p: dict[str, float], what: str, res: tuple[int, int], batch: int) -> float:
    """One call at `res` and `batch` on the probe's line (the per-pixel part scales with the batch)."""
    return p[f"{what}_fixed"] + p[f"{what}_per_px"] * res[0] * res[1] * batch / PROBE_BATCH


def job_seconds(job, device: str = "cpu", threads: int | None = None) -> float:
    """The estimated wall time of one job (module docstring)."""
    if job.kind == "profile":
        return PROFILE_S
    if job.kind == "bench":
        iters = job.bench.get("iters", 20) + TYPICAL_WARMUP
        batch = job.bench.get("batch", 1)
        return sum(call_seconds(probe(s, device, threads), "forward", job.res, batch) for s in job.specs) * iters
    from arena.studies.plan import train_setup

    schedule, crop, batch = train_setup(job)
    if schedule is None:  # `paper`: far beyond any budget a plan is for
        return float("inf")
    iters = job.train.get("iters") or schedule.iters
    p = probe(job.specs[0], device, threads)
    evaluation = call_seconds(p, "forward", crop, batch) * -(-schedule.val_images // batch)
    return call_seconds(p, "train", crop, batch) * iters + evaluation
