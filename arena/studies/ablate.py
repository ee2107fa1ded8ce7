"""`arena ablate --swap ROLE=BLOCK`: what one block buys, at what cost, in every network, and whether
the difference is real.

For each network (default: one variant of each of the five published families) the base and the
swapped variant are profiled, benchmarked together (interleaved, so the latency difference is
paired by round) and trained over N seeds (paired by seed: bit-identical initial weights in every
node the two share, the same data in the same order). The deltas are swapped - base: parameters and
GMACs exactly; latency as a ratio paired by round, mIoU in points paired by seed, each with its 95 %
interval, p-values Holm-adjusted across the ablation's comparisons of that metric, an equivalence
test against ±delta, the smallest difference the pairs could detect and the seeds needed for delta
(arena/stats.py). Two seeds describe (mean and both values); three or more give a verdict. A
network where the swap does not fit is listed as n/a with the reason. Pairs whose two rows were
made by different code (git commit, or arena version outside a checkout) are refused unless
`allow_mixed_versions`, and then marked.
"""
from __future__ import annotations

from typing import Any

from arena.errors import ArenaError
from arena.stats import at_chance, compare_seeds, holm_verdicts, log_ratio
from arena.store import latest_records

MIOU_DELTA = 1.0  # points: the default equivalence margin of an mIoU difference
LATENCY_DELTA = 0.03  # 3 %: the default equivalence margin of a latency ratio


def ablation_study(swaps: list[str], nets: list[str] | None = None, *, seeds: int = 5, schedule: str = "demo",
                   iters: int | None = None, res: tuple[int, int] = (512, 1024), device: str = "cpu",
                   data: str = "synthetic", skip_train: bool = False, skip_bench: bool = False,
                   bench_iters: int | None = None):
    """The ablation as a Study (the same machinery as `arena run`: resumable, skips finished rows)."""
    from arena.studies.schema import from_dict

    if not swaps:
        raise ArenaError("name a swap: arena ablate --swap upsampler=gai")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ArenaError(f"--seeds must be an integer >= 1, got {seeds!r}")
    if seeds < 2 and not skip_train:
        raise ArenaError(f"--seeds {seeds}: a paired interval needs at least 2 seeds (its t has n - 1 degrees of "
                         "freedom, 0 with one seed), better 3; or pass --skip-train")
    kinds = ["profile"] + ([] if skip_bench else ["bench"]) + ([] if skip_train else ["train"])
    # the device only when it is not the default cpu: spelled as a study file spells it, so the rows of
    # `arena run` with the same jobs have the same keys and are reused, not run again
    where = {} if device == "cpu" else {"device": device}
    train: dict[str, Any] = {"schedule": schedule, "data": data, **where}
    if iters:
        train["iters"] = iters
    bench: dict[str, Any] = dict(where)
    if bench_iters:
        bench["iters"] = bench_iters
    name = "ablate_" + "_".join(s.replace("=", "-").replace("(", "").replace(")", "").replace(",", "-") for s in swaps)
    return from_dict({"study": {"name": name, "networks": nets or "families", "swaps": list(swaps),
                                "seeds": seeds, "resolutions": [f"{res[0]}x{res[1]}"], "kinds": kinds},
                      "train": train, "bench": bench}, source="arena ablate")


def default_schedule(device: str) -> tuple[str, str]:
    """The schedule an ablation runs when none is named, and why: `short` needs a GPU's minutes."""
    if device.startswith("cuda"):
        return "short", "the default on a GPU (--device cuda)"
    return "demo", "the default on a CPU: `short` (4000 iterations of batch 8 at 512x1024) takes about a day per run here"


def study_seconds(study, threads: int | None = None) -> float:
    """The plan's estimate for a whole study (every job, nothing skipped): `estimate.job_seconds`."""
    from arena.studies.estimate import job_seconds
    from arena.studies.plan import device_of, expand

    return sum(job_seconds(j, device_of(j), threads) for j in expand(study).jobs)


def fitting_command(options: dict[str, Any], budget_s: float, threads: int | None = None) -> str | None:
    """The nearest `arena ablate` command that fits `budget_s`: the same one with a smaller schedule,
    then 3 seeds (the fewest that give a verdict), then fewer networks (the costliest dropped first).
    `options` are ablation_study's keyword arguments plus `swaps`; None when nothing here fits."""
    from arena.networks import REPRESENTATIVES

    nets = list(options.get("nets") or REPRESENTATIVES)
    tries = []
    if options.get("schedule") not in ("smoke", "demo"):
        tries.append({"schedule": "demo", "iters": None})
    tries.append({**(tries[-1] if tries else {}), "seeds": min(3, options.get("seeds", 5))})
    for changes in tries:
        candidate = {**options, **changes, "nets": nets}
        if study_seconds(ablation_study(**candidate), threads) <= budget_s:
            return _command(candidate)
    candidate = {**options, **tries[-1]}
    costs = {n: study_seconds(ablation_study(**{**candidate, "nets": [n]}), threads) for n in nets}
    kept = sorted(nets, key=costs.get)
    while kept and sum(costs[n] for n in kept) > budget_s:
        kept.pop()
    return _command({**candidate, "nets": kept}) if kept else None


def _command(o: dict[str, Any]) -> str:
    parts = ["arena ablate"] + [f"--swap {s}" for s in o["swaps"]]
    parts.append(f"--nets {','.join(o['nets'])}")
    parts.append(f"--schedule {o['schedule']}")
    if o.get("iters"):
        parts.append(f"--iters {o['iters']}")
    parts.append(f"--seeds {o.get('seeds', 5)}")
    if o.get("device", "cpu") != "cpu":
        parts.append(f"--device {o['device']}")
    return " ".join(parts)


def summarise(study, plan, out, *, delta: float = MIOU_DELTA, latency_delta: float = LATENCY_DELTA,
              allow_mixed_versions: bool = False) -> dict[str, Any]:
    """Per network and swap: the deltas against the base network, with intervals and verdicts.

    Reads the rows of the plan's jobs, whichever study wrote them (a job key is the same in every
    study); of several rows for one question the latest wins (`arena.store`'s rule). Returns
    {"comparisons": [...], "counts": {metric: number of comparisons Holm adjusted over}, "delta": ...}.
    """
    from arena.store import Store

    for value, option in ((delta, "--delta"), (latency_delta, "--delta-latency")):
        if not value > 0:
            raise ArenaError(f"{option} must be positive (the equivalence margin), got {value:g}")
    store = out if isinstance(out, Store) else Store(out)
    keys = {k for job in plan.jobs for k in job.keys()}
    by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in (r for r in store.records(quiet=True) if r.get("job_key") in keys):
        by.setdefault((r["kind"], r["spec"]), []).append(r)
    res = study.resolutions[0]
    entries = []
    for net in study.networks:
        base = plan.specs.get((net, None))
        for swap in (s for s in study.swaps if s):
            entry: dict[str, Any] = {"network": net, "swap": str(swap), "base": base}
            reason = next((why for n, s, why in plan.not_applicable if n == net and s == swap), None)
            if reason or base is None:
                entry.update(applicable=False, reason=reason or "the base network did not build")
            else:
                spec = plan.specs[(net, swap)]
                entry.update(applicable=True, spec=spec)
                _costs(entry, by, base, spec, res)
                _latency(entry, by, base, spec, res, latency_delta, allow_mixed_versions)
                _accuracy(entry, by, base, spec, delta, allow_mixed_versions)
            entries.append(entry)
    counts = {metric: holm_verdicts([e[metric] for e in entries if metric in e and "n" in e[metric]])
              for metric in ("latency", "miou")}
    return {"comparisons": entries, "counts": counts, "delta": {"miou_points": delta, "latency": latency_delta}}


def _costs(entry, by, base, spec, res) -> None:
    prof_b, prof_s = _one(by, "profile", base, res), _one(by, "profile", spec, res)
    if prof_b and prof_s:
        pb, ps = prof_b["metrics"], prof_s["metrics"]
        entry["params"] = {"base": pb["params_inference"], "delta": ps["params_inference"] - pb["params_inference"]}
        entry["gmacs"] = {"base": pb["gmacs"], "delta": ps["gmacs"] - pb["gmacs"]}


def _latency(entry, by, base, spec, res, latency_delta, allow_mixed) -> None:
    pair = sorted({base, spec})
    bench_b, bench_s = _one(by, "bench", base, res, pair), _one(by, "bench", spec, res, pair)
    if not (bench_b and bench_s):
        return
    mixed = _versions(bench_b, bench_s, allow_mixed)
    tb, ts = bench_b["metrics"]["times_ms"], bench_s["metrics"]["times_ms"]
    n = min(len(tb), len(ts))  # round i of one is round i of the other (timed together)
    entry["latency"] = {**log_ratio(tb[:n], ts[:n], latency_delta), "base_ms": bench_b["metrics"]["median_ms"],
                        "median_ratio": bench_s["metrics"]["median_ms"] / bench_b["metrics"]["median_ms"],
                        "paired_by": "interleaved round", "device": bench_b["protocol"].get("device"),
                        **({"mixed_versions": mixed} if mixed else {})}


def _accuracy(entry, by, base, spec, delta, allow_mixed) -> None:
    train_b = {r["seed"]: r for r in latest_records(by.get(("train", base), []), key=lambda r: r["seed"])}
    train_s = {r["seed"]: r for r in latest_records(by.get(("train", spec), []), key=lambda r: r["seed"])}
    seeds = sorted(set(train_b) & set(train_s), key=str)
    if not seeds:
        return
    settings = {train_b[s]["setting"]["id"] for s in seeds} | {train_s[s]["setting"]["id"] for s in seeds}
    if len(settings) > 1:
        raise ArenaError(f"the train rows of {base} and {spec} hold {len(settings)} settings "
                         f"({', '.join(sorted(settings))}): rows are paired only within one setting; "
                         "rerun the ablation into a fresh --out")
    mixed = [m for s in seeds for m in [_versions(train_b[s], train_s[s], allow_mixed)] if m]
    chance = all(_at_chance(r[s]) for r in (train_b, train_s) for s in seeds)
    c = compare_seeds({s: 100 * train_b[s]["metrics"]["miou"] for s in seeds},
                      {s: 100 * train_s[s]["metrics"]["miou"] for s in seeds}, delta, chance=chance)
    if c is None:  # one seed in common: nothing to pair
        return
    a = [100 * train_b[s]["metrics"]["miou"] for s in c["seeds"]]
    entry["miou"] = {**c, "base_mean": sum(a) / len(a), "base": a,
                     "swapped": [100 * train_s[s]["metrics"]["miou"] for s in c["seeds"]],
                     "unit": "points", "paired_by": "seed", "schedule": train_b[seeds[0]]["schedule"],
                     "setting": settings.pop(), **({"mixed_versions": mixed[0]} if mixed else {})}


def _at_chance(row) -> bool:
    m = row.get("metrics") or {}
    return at_chance(m.get("iou"), m.get("miou"), ((row.get("protocol") or {}).get("data") or {}).get("classes"))


def _version(row) -> str:
    commit = row.get("git_commit")
    return f"commit {commit[:10]}" if commit else f"arena {row.get('arena_version')}"


def _versions(a, b, allow_mixed: bool) -> str | None:
    """None when both rows come from the same code; else a note (allowed) or a refusal."""
    va, vb = _version(a), _version(b)
    if va == vb:
        return None
    if not allow_mixed:
        raise ArenaError(f"{a['spec']} ({va}) and {b['spec']} ({vb}) were made by different code: a pair mixes "
                         "versions; rerun them with --rerun-stale, or pass --allow-mixed-versions (the output "
                         "then marks the pair)")
    return f"{va} vs {vb}"


def _one(by: dict, kind: str, spec: str, res, peers: list[str] | None = None) -> dict[str, Any] | None:
    """The latest row of `spec` at `res` (`arena.store`'s rule); for bench rows, one timed in the same run as `peers`."""
    fitting = [r for r in by.get((kind, spec), []) if list(r["protocol"].get("res", [])) == list(res)
               and (peers is None or set(peers) <= set(r["protocol"].get("timed_with", [])))]
    return latest_records(fitting, key=lambda r: "the one question")[0] if fitting else None
