"""`arena bench`: latency and FPS under a recorded protocol (DESIGN.md §6), on CPU and GPU.

What is inside the timed region is stated, never implied: the forward pass on a fixed input that
already sits on the device, the final resize of the logits (unless `include_resize=False`), the
argmax (only with `include_argmax=True`); host-device copies are outside. Every iteration is timed
on its own (arena.measure.timing) and the statistics are the median, p10 and p90 over every
iteration, not block means. Warm-up runs until the spread of the last window settles, between a
floor and a ceiling that are recorded with how many iterations it took.

Several cases are timed interleaved, one iteration of each per round, so drift hits every case
alike; the order within a round is shuffled per round from a recorded seed (`order_seed`), so an
order effect (a case always timed after the same other one, in its caches' wake) cannot survive the
pairing. Each case's ratio to its reference (the first case, or the first case of its `group`) is
paired by round: the median per-round ratio with its p10 and p90, and a t-interval on the mean
per-round log-ratio (arena.stats.log_ratio_interval) reported as a ratio. Everything runs inside the
device's scope (`cuda:1` is timed on GPU 1). The environment (clocks, temperatures) is read between
two rounds halfway through the timing, not after it at idle. Reduced precision, compilation, CUDA
graphs and folding are checked against fp32 eager (IEEE fp32: TF32 off) on the same input: a mode
that changes the answer beyond tolerance is flagged in the result, not hidden.

`bench` returns plain data: per case its label, spec, resolution, protocol, the network's row
fields, metrics and environment; no network or prepared case outlives it.
"""
from __future__ import annotations

import math
import statistics
from typing import Any, Callable

from arena.checks import cpu_count
from arena.measure.prepare import Case, PreparedCase, prepare
from arena.measure.protocol import (BACKENDS, COMPILE_MODES, TOLERANCE, BenchError, Protocol, check_compiler,
                                    check_protocol)
from arena.measure.timing import DTYPES, Sink, device_scope, math_mode, time_call
from arena.stats import log_ratio_interval

Timer = Callable[[PreparedCase], float]


class DeviceTimer:
    """The default timer: `time_call` with one output sink per case."""

    def __init__(self):
        self.sinks: dict[int, Sink] = {}

    def __call__(self, case: PreparedCase) -> float:
        return time_call(case.run, case.protocol.device, self.sinks.setdefault(id(case), Sink()))


def warm_up(case: PreparedCase, timer: Timer) -> dict[str, Any]:
    """Run until the last window's spread settles (floor and ceiling from the protocol)."""
    p = case.protocol
    times: list[float] = []
    spread = math.inf
    while len(times) < p.warmup_max:
        times.append(timer(case))
        if len(times) >= max(p.warmup_min, p.warmup_window):
            window = times[-p.warmup_window:]
            spread = (max(window) - min(window)) / max(statistics.median(window), 1e-9)
            if spread < p.warmup_spread:
                break
    return {"iterations": len(times), "settled": spread < p.warmup_spread, "last_window_spread": spread}


def round_orders(n_cases: int, rounds: int, seed: int) -> list[list[int]]:
    """The order of the cases in each round: a fresh permutation per round from one seeded generator."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return [[int(k) for k in rng.permutation(n_cases)] for _ in range(rounds)]


def interleaved(cases: list[PreparedCase], timer: Timer, iters: int | None = None,
                halfway: Callable[[], Any] | None = None,
                order_seed: int = 0) -> tuple[list[list[float]], list[dict], Any, list[list[int]]]:
    """Every case warmed up (in the order given), then timed one iteration each per round, in an order
    shuffled per round (`round_orders`). `halfway` is called once between the two rounds in the
    middle. Returns (times per case, round by round; warm-up per case; what `halfway` returned;
    the order of each round)."""
    warmups = [warm_up(case, timer) for case in cases]
    rounds = iters or max(c.protocol.timed_iters for c in cases)
    orders = round_orders(len(cases), rounds, order_seed)
    times: list[list[float]] = [[] for _ in cases]
    sampled = None
    for r, order in enumerate(orders):
        if halfway is not None and r == rounds // 2:
            sampled = halfway()
        for k in order:
            times[k].append(timer(cases[k]))
    return times, warmups, sampled, orders


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default rule), q in [0, 100]."""
    import numpy as np

    return float(np.percentile(values, q))


def summarise(times: list[float], batch: int) -> dict[str, float]:
    median = statistics.median(times)
    return {"median_ms": median, "p10_ms": percentile(times, 10), "p90_ms": percentile(times, 90),
            "mean_ms": statistics.fmean(times), "std_ms": statistics.pstdev(times), "min_ms": min(times),
            "max_ms": max(times), "fps": batch * 1000.0 / median, "timed_iterations": len(times)}


def ratio_to_reference(times: list[list[float]], references: list[int] | None = None,
                   confidence: float = 0.95) -> list[dict[str, Any]]:
    """Per round, each case's time over its reference's (`references[k]`, the first mode of the same
    network and resolution: `references_of`; default the first case):
    the median, p10 and p90 of those ratios, and the paired interval on the log-ratio as a ratio
    (`geomean` [`ci_low`, `ci_high`], n rounds; None with fewer than 2 rounds)."""
    out = []
    for k, series in enumerate(times):
        reference = times[references[k] if references else 0]
        ratios = [t / max(f, 1e-12) for t, f in zip(series, reference)]
        summary: dict[str, Any] = {"median": statistics.median(ratios), "p10": percentile(ratios, 10),
                                   "p90": percentile(ratios, 90), "n": len(ratios), "confidence": confidence}
        if len(ratios) >= 2:
            ci = log_ratio_interval([max(f, 1e-12) for f in reference], [max(t, 1e-12) for t in series],
                                    confidence)
            summary.update(geomean=ci["ratio"], ci_low=ci["low"], ci_high=ci["high"])
        else:
            summary.update(geomean=math.exp(statistics.fmean(math.log(max(r, 1e-12)) for r in ratios)),
                           ci_low=None, ci_high=None)
        out.append(summary)
    return out


def references_of(cases: list[Case]) -> list[int]:
    """Each case's reference: the first case of its group, by default its network at its resolution
    (a ratio is between modes of one network, never between two networks)."""
    first: dict[str, int] = {}
    return [first.setdefault(c.group or f"{c.spec} @ {c.res[0]}x{c.res[1]}", k) for k, c in enumerate(cases)]


def accuracy(case: PreparedCase) -> dict[str, Any] | None:
    """The timed mode's output against fp32 eager of the same weights on the same input, the
    reference in IEEE fp32 (TF32 off, as the timed fp32 modes). None: the case is fp32 eager."""
    import torch

    p = case.protocol
    if p.is_reference:
        return None
    reference_net = case.net.to(p.device)
    reference_net.resize_output = p.include_resize
    x = case.x.detach().float().contiguous()
    with torch.inference_mode():
        with math_mode("fp32"):
            ref = reference_net(x.to(p.device))
        out = case.run()
        if hasattr(out, "clone"):
            out = out.clone()
    ref_labels = ref.argmax(1)
    rel_tol, agree_tol = TOLERANCE[p.dtype]
    if p.include_argmax:
        agreement = (out.to(ref_labels.device) == ref_labels).float().mean().item()
        result = {"max_abs_diff": None, "rel_diff": None, "argmax_agreement": agreement}
        flagged = agreement < agree_tol
    else:
        out = out.float().to(ref.device).contiguous()
        diff = (out - ref).abs().max().item()
        rel = diff / max(ref.abs().max().item(), 1e-12)
        agreement = (out.argmax(1) == ref_labels).float().mean().item()
        result = {"max_abs_diff": diff, "rel_diff": rel, "argmax_agreement": agreement}
        flagged = rel > rel_tol or agreement < agree_tol or not math.isfinite(diff)
    result.update(tolerance_rel=rel_tol, tolerance_argmax=agree_tol, flagged=flagged,
                  against="fp32 eager (IEEE fp32, TF32 off), same weights, same input")
    return result


def _devices(cases: list[Case]) -> str:
    devices = {c.protocol.device for c in cases}
    if len(devices) > 1:
        raise BenchError(f"cases timed together must run on one device, got {', '.join(sorted(devices))}")
    return devices.pop()


def bench(cases: list[Case], *, timer: Timer | None = None, on_step: Callable[[str], None] | None = None,
          seed: int = 0, by_node: bool = False, peaks: dict[str, Any] | None = None, node_iters: int | None = None,
          telemetry: Callable[[str, int | None], dict] | None = None) -> list[dict[str, Any]]:
    """Prepare every case, time them interleaved, check accuracy (and time every node when `by_node`).

    Returns one plain dict per case: {"label", "spec", "res", "protocol" (a Protocol), "row_fields",
    "metrics", "environment"}; metrics["roofline"] is the time against the network's roofline bound at
    the case's dtype (arena.measure.network_bound; `peaks` replaces the device's, for it and by_node).
    `telemetry(device, threads)` is read halfway through the timing (default: arena.env.fingerprint).
    """
    import torch

    from arena.measure.profile import ProfileError
    from arena.sizes import ResolutionError

    for case in cases:
        check_protocol(case.protocol)
    device = _devices(cases)
    if len({c.protocol.order_seed for c in cases}) > 1:
        raise BenchError("cases timed together share one order: give them one order_seed")
    threads = {c.protocol.threads or cpu_count() for c in cases if c.protocol.device == "cpu"}
    if len(threads) > 1:
        raise BenchError("cases timed together must use one CPU thread count")
    n_threads = threads.pop() if threads else None
    if telemetry is None:
        from arena.env import fingerprint as telemetry
    timer = timer or DeviceTimer()
    saved_threads = torch.get_num_threads()
    if n_threads:
        torch.set_num_threads(n_threads)  # explicit, never torch.utils.benchmark's one-thread default
    try:
        with device_scope(device):
            prepared = []
            for case in cases:
                if on_step:
                    on_step(f"preparing {case.spec} @ {case.res[0]}x{case.res[1]}")
                try:
                    prepared.append(prepare(case, seed))
                except (ProfileError, ResolutionError) as e:
                    raise BenchError(str(e)) from None
            if on_step:
                on_step("timing (interleaved)")
            times, warmups, environment, orders = interleaved(
                prepared, timer, halfway=lambda: telemetry(device, cases[0].protocol.threads or cpu_count()),
                order_seed=cases[0].protocol.order_seed)
            references = references_of(cases)
            ratios = ratio_to_reference(times, references)
            results = [_result(c, times[k], ratios[k], warmups[k], environment, isinstance(timer, DeviceTimer),
                               prepared[references[k]], [order.index(k) for order in orders])
                       for k, c in enumerate(prepared)]
            _add_bounds(prepared, results, device, n_threads, peaks)
            if by_node:
                from arena.measure.by_node import time_nodes

                for c, result in zip(prepared, results):
                    if on_step:
                        on_step(f"by node: {c.label}")
                    result["metrics"]["by_node"] = time_nodes(c, result["metrics"]["median_ms"], peaks=peaks,
                                                              iters=node_iters)
        return results
    finally:
        torch.set_num_threads(saved_threads)


def _add_bounds(prepared: list[PreparedCase], results: list[dict], device: str, threads: int | None,
                peaks: dict[str, Any] | None) -> None:
    """Each case's time against its network's roofline bound at its dtype (after the timing, which it
    must not disturb; the modes of one network share one profile). `peaks`: bench's own argument."""
    from arena.measure.network_bound import bound_for

    profiles: dict = {}
    for c, result in zip(prepared, results):
        bound = bound_for(c.case.spec, c.case.res, c.protocol.dtype, device=device, threads=threads,
                          batch=c.protocol.batch, swaps=c.case.swaps, cache=profiles, given_peaks=peaks)
        if "ms" in bound:
            bound["efficiency"] = bound["ms"] / result["metrics"]["median_ms"]
        result["metrics"]["roofline"] = bound


def _result(c: PreparedCase, series, ratio, warmup, environment, check: bool, reference: PreparedCase,
            positions: list[int]) -> dict:
    metrics = {**summarise(series, c.protocol.batch), "ratio_to_reference": ratio,
               "reference": reference.label, "round_positions": positions,
               "times_ms": series, "peak_memory_bytes": c.memory_bytes,
               "accuracy": accuracy(c) if check else None, "setup": {**c.setup, "warmup": warmup}}
    return {"label": c.label, "mode": c.case.mode, "spec": c.net.canonical, "res": tuple(c.case.res),
            "protocol": c.protocol,
            "row_fields": c.net.resolved.row_fields(), "metrics": metrics, "environment": environment}


ROW_PROTOCOL_SETUP = ("inductor_freezing", "inductor_layout_optimization", "onnxruntime", "openvino", "quantisation")


def to_row(result: dict[str, Any], environment_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A results row (kind "bench") with every protocol field of DESIGN.md §6."""
    from arena import env, results

    p = result["protocol"]
    res = result["res"]
    protocol = {**p.record(), "res": list(res), "resolution": f"{res[0]}x{res[1]}"}
    protocol.update({k: v for k, v in result["metrics"]["setup"].items() if k in ROW_PROTOCOL_SETUP})
    if result["metrics"].get("by_node"):
        protocol["by_node"] = True  # a setting of its own (arena.results.setting), a mode of its own (frames)
    environment_ = environment_ or result.get("environment") or env.fingerprint(p.device, protocol["threads"])
    metrics = {k: v for k, v in result["metrics"].items() if k != "times_ms"}
    metrics["times_ms"] = result["metrics"]["times_ms"]
    return results.make_row("bench", result["row_fields"], metrics, protocol=protocol, environment_=environment_)


__all__ = ["BACKENDS", "COMPILE_MODES", "DTYPES", "TOLERANCE", "BenchError", "Case", "DeviceTimer", "PreparedCase",
           "Protocol", "accuracy", "bench", "check_compiler", "check_protocol", "interleaved", "percentile",
           "prepare", "ratio_to_reference", "references_of", "round_orders", "summarise", "to_row", "warm_up"]
