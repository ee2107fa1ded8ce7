"""`arena ablate --swap ROLE=BLOCK`: what one block buys, at what cost, in every network, and whether
the difference is real.

For each network (default: one variant of each of the five published families) the base and the
swapped variant are profiled, benchmarked together (interleaved, so the latency difference is
paired by round) and trained over N seeds (paired by seed: the same initialisation where the shapes
allow, the same data in the same order). The deltas are swapped - base: parameters and GMACs
exactly, latency and mIoU as a mean with a paired t-interval at 95 % (stats.py) and every pair's
value; an interval that crosses zero is "inconclusive". A network where the swap does not fit is
listed as n/a with the reason.
"""
from __future__ import annotations

from typing import Any

from arena.errors import ArenaError
from arena.stats import paired_interval


def ablation_study(swaps: list[str], nets: list[str] | None = None, *, seeds: int = 5, schedule: str = "short",
                   iters: int | None = None, res: tuple[int, int] = (512, 1024), device: str = "cpu",
                   data: str = "synthetic", skip_train: bool = False, skip_bench: bool = False,
                   bench_iters: int | None = None):
    """The ablation as a Study (the same machinery as `arena run`: resumable, skips finished rows)."""
    from arena.studies.spec import from_dict

    if not swaps:
        raise ArenaError("name a swap: arena ablate --swap upsampler=gai")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ArenaError(f"--seeds must be an integer >= 1, got {seeds!r}")
    if seeds < 2 and not skip_train:
        raise ArenaError(f"--seeds {seeds}: a paired interval needs at least 2 seeds (its t has n - 1 degrees of "
                         "freedom, 0 with one seed), better 3; or pass --skip-train")
    kinds = ["profile"] + ([] if skip_bench else ["bench"]) + ([] if skip_train else ["train"])
    train: dict[str, Any] = {"schedule": schedule, "data": data, "device": device}
    if iters:
        train["iters"] = iters
    bench: dict[str, Any] = {"device": device}
    if bench_iters:
        bench["iters"] = bench_iters
    name = "ablate_" + "_".join(s.replace("=", "-").replace("(", "").replace(")", "").replace(",", "-") for s in swaps)
    return from_dict({"study": {"name": name, "networks": nets or "families", "swaps": list(swaps),
                                "seeds": list(range(seeds)), "resolutions": [f"{res[0]}x{res[1]}"], "kinds": kinds},
                      "train": train, "bench": bench}, source="arena ablate")


def summarise(study, plan, out) -> list[dict[str, Any]]:
    """Per network and swap: the deltas against the base network, with intervals and verdicts.

    Reads the rows of the plan's jobs, whichever study wrote them (a job key is the same in every
    study); of several rows for one question the latest wins (`arena.store`'s rule).
    """
    from arena.store import Store

    store = out if isinstance(out, Store) else Store(out)
    keys = {k for job in plan.jobs for k in job.keys()}
    rows = sorted((r for r in store.records(quiet=True) if r.get("job_key") in keys), key=lambda r: r.get("time", ""))
    by = {}
    for r in rows:
        by.setdefault((r["kind"], r["spec"]), []).append(r)
    res = study.resolutions[0]
    table = []
    for net in study.networks:
        base = plan.specs.get((net, ""))
        for swap in study.swaps:
            if not swap:
                continue
            entry: dict[str, Any] = {"network": net, "swap": swap, "base": base}
            reason = next((why for n, s, why in plan.not_applicable if n == net and s == swap), None)
            if reason or base is None:
                entry.update(applicable=False, reason=reason or "the base network did not build")
                table.append(entry)
                continue
            spec = plan.specs[(net, swap)]
            entry.update(applicable=True, spec=spec)
            prof_b, prof_s = _one(by, "profile", base, res), _one(by, "profile", spec, res)
            if prof_b and prof_s:
                entry["params"] = {"base": prof_b["metrics"]["params_inference"],
                                   "delta": prof_s["metrics"]["params_inference"] - prof_b["metrics"]["params_inference"]}
                entry["gmacs"] = {"base": prof_b["metrics"]["gmacs"],
                                  "delta": prof_s["metrics"]["gmacs"] - prof_b["metrics"]["gmacs"]}
            pair = sorted({base, spec})
            bench_b, bench_s = _one(by, "bench", base, res, pair), _one(by, "bench", spec, res, pair)
            if bench_b and bench_s:
                tb, ts = bench_b["metrics"]["times_ms"], bench_s["metrics"]["times_ms"]
                n = min(len(tb), len(ts))
                entry["latency_ms"] = {"base": bench_b["metrics"]["median_ms"],
                                       "ratio": bench_s["metrics"]["median_ms"] / bench_b["metrics"]["median_ms"],
                                       **paired_interval(tb[:n], ts[:n]), "paired_by": "interleaved round",
                                       "device": bench_b["protocol"]["device"]}
                entry["latency_ms"].pop("deltas")
            train_b = {r["seed"]: r for r in by.get(("train", base), [])}  # time order: the latest seed row wins
            train_s = {r["seed"]: r for r in by.get(("train", spec), [])}
            seeds = sorted(set(train_b) & set(train_s))
            if len(seeds) >= 2:
                a = [train_b[s]["metrics"]["miou"] for s in seeds]
                b = [train_s[s]["metrics"]["miou"] for s in seeds]
                entry["miou"] = {"base_mean": sum(a) / len(a), **paired_interval(a, b), "seeds": seeds,
                                 "paired_by": "seed", "schedule": train_b[seeds[0]]["schedule"]}
            elif seeds:
                entry["miou"] = {"seeds": seeds, "verdict": "too few seeds for an interval",
                                 "deltas": [train_s[s]["metrics"]["miou"] - train_b[s]["metrics"]["miou"] for s in seeds]}
            table.append(entry)
    return table


def _one(by: dict, kind: str, spec: str, res, peers: list[str] | None = None) -> dict[str, Any] | None:
    """The latest row of `spec` at `res`; for bench rows, one timed in the same run as `peers`."""
    for r in reversed(by.get((kind, spec), [])):
        if list(r["protocol"].get("res", [])) != list(res):
            continue
        if peers is not None and not set(peers) <= set(r["protocol"].get("timed_with", [])):
            continue
        return r
    return None
