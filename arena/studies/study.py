"""Study files (TOML): a grid of networks x swaps x seeds x resolutions x schedule, expanded into jobs.

A job is plain data (picklable, JSON-able): what to measure (profile, bench or train), on which
spec, with which protocol. Its key is what decides whether it must still run: a row already in the
results store with the same key is never run again, so an interrupted study (Ctrl-C, a killed
worker, a crashed job) is finished by running it again. Rows carry the arena version and commit;
`rerun_stale` reruns rows made by other code. A failed job is recorded in `failures.jsonl` with its
error and retried only on request.

    [study]
    name = "upsamplers"
    networks = ["fast_scnn", "sgcpnet", "fanet18"]     # or "families" (one variant of each published network)
    swaps = ["upsampler=gai", "upsampler=carafe"]      # each against the base network
    seeds = [0, 1, 2]
    resolutions = ["512x1024"]
    kinds = ["profile", "bench", "train"]
    [train]
    schedule = "demo"
    [bench]
    iters = 20
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.errors import ArenaError

KINDS = ("profile", "bench", "train")
STUDY_KEYS = {"name": str, "description": str, "networks": (list, str), "swaps": list, "include_base": bool,
              "seeds": (list, int), "resolutions": list, "kinds": list}
TRAIN_KEYS = {"schedule": str, "data": str, "iters": int, "batch": int, "crop": str, "device": str, "workers": int}
BENCH_KEYS = {"device": str, "iters": int, "dtype": str, "batch": int, "channels_last": bool, "fuse_bn": bool,
              "compile": str, "cuda_graphs": bool, "backend": str, "warmup_max": int}
SECTIONS = {"study": STUDY_KEYS, "train": TRAIN_KEYS, "bench": BENCH_KEYS}


class StudyError(ArenaError):
    """A study file that cannot be run as written; the message names the file, key and line."""


@dataclass(frozen=True)
class Study:
    name: str
    networks: tuple[str, ...]
    swaps: tuple[str, ...]  # "" is the base network
    seeds: tuple[int, ...]
    resolutions: tuple[tuple[int, int], ...]
    kinds: tuple[str, ...]
    train: dict[str, Any] = field(default_factory=dict)
    bench: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""

    @property
    def variants(self) -> tuple[str, ...]:
        return self.swaps


@dataclass(frozen=True)
class Job:
    """One unit of work. `specs` holds one spec, or several timed together (bench: interleaved)."""

    kind: str
    specs: tuple[str, ...]
    res: tuple[int, int] | None = None
    seed: int | None = None
    train: dict[str, Any] = field(default_factory=dict)
    bench: dict[str, Any] = field(default_factory=dict)
    threads: int | None = None
    study: str = ""

    def keys(self) -> list[str]:
        """One key per row the job writes: spec, kind, dataset, schedule, seed and protocol."""
        return [row_key(self.kind, spec, self._protocol()) for spec in self.specs]

    def _protocol(self) -> dict[str, Any]:
        if self.kind == "profile":
            return {"res": list(self.res)}
        if self.kind == "bench":  # rows timed together are paired by round: the peers are part of the key
            return {"res": list(self.res), **self.bench, "timed_with": sorted(self.specs)}
        return {"seed": self.seed, **self.train}

    @property
    def label(self) -> str:
        what = " vs ".join(self.specs)
        where = f" @ {self.res[0]}x{self.res[1]}" if self.res else ""
        seed = f" seed {self.seed}" if self.seed is not None else ""
        return f"{self.kind} {what}{where}{seed}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def needs_gpu(self) -> bool:
        """A bench or training job on a CUDA device (engines never run two of them on one GPU at once)."""
        options = self.bench if self.kind == "bench" else self.train if self.kind == "train" else {}
        return str(options.get("device", "cpu")).startswith("cuda")


def row_key(kind: str, spec: str, protocol: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, "spec": spec, "protocol": protocol}, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# -- reading a study file -------------------------------------------------------------------------
def _line_of(text: str, section: str, key: str | None) -> int:
    """The line of `key` inside `[section]` (or of the section header), for error messages."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(rf"\s*\[\s*{re.escape(section)}\s*\]", line)), None)
    if start is None:
        return 0
    if key is None:
        return start + 1
    for i in range(start + 1, len(lines)):
        if re.match(r"\s*\[", lines[i]):
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start + 1


def load(path: str | Path) -> Study:
    """Read and validate a study file; every mistake is one StudyError naming the key and line."""
    import tomllib

    path = Path(path)
    if not path.is_file():
        raise StudyError(f"no such study file: {path} (see experiments/README.md for the shipped ones)")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise StudyError(f"{path}: not valid TOML: {e}") from None
    return from_dict(data, str(path), text)


def from_dict(data: dict[str, Any], source: str = "<study>", text: str = "") -> Study:
    """Validate parsed TOML (or a dict built by `arena ablate`) into a Study."""
    from arena.resolution import parse_res

    def fail(section: str, key: str | None, message: str) -> StudyError:
        line = _line_of(text, section, key) if text else 0
        where = f"{source}:{line}" if line else source
        name = f"[{section}] {key}" if key else f"[{section}]"
        return StudyError(f"{where}: {name}: {message}")

    for section in data:
        if section not in SECTIONS:
            raise fail(section, None, f"unknown section (sections are {', '.join(f'[{s}]' for s in SECTIONS)})")
    for section, keys in SECTIONS.items():
        for key, value in data.get(section, {}).items():
            if key not in keys:
                from blocks.registry import did_you_mean

                raise fail(section, key, f"unknown key ({did_you_mean(key, keys, 2)}keys are {', '.join(keys)})")
            expected = keys[key] if isinstance(keys[key], tuple) else (keys[key],)
            if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
                raise fail(section, key, f"{value!r} must be {' or '.join(t.__name__ for t in expected)}")
    s = data.get("study")
    if s is None:
        raise StudyError(f"{source}: no [study] section (a study names its networks, swaps and seeds there)")
    from arena.networks import REPRESENTATIVES

    nets = s.get("networks", "families")
    if isinstance(nets, str):
        if nets not in ("families", "all"):
            raise fail("study", "networks", f"{nets!r}: write a list of networks, \"families\" or \"all\"")
        from arena.networks import PUBLISHED

        nets = list(REPRESENTATIVES if nets == "families" else PUBLISHED)
    for net in nets:
        if not isinstance(net, str):
            raise fail("study", "networks", f"{net!r} is not a network name")
        try:
            from arena.api import resolve

            resolve(net)
        except ArenaError as e:
            raise fail("study", "networks", str(e)) from None
    swaps = [str(x).strip() for x in s.get("swaps", [])]
    variants = ([""] if s.get("include_base", True) else []) + [x for x in swaps if x not in ("", "none", "base")]
    if not variants:
        raise fail("study", "swaps", "nothing to run: give swaps or keep include_base = true")
    seeds = s.get("seeds", [0])
    seeds = list(range(seeds)) if isinstance(seeds, int) else seeds
    if not seeds or any(isinstance(x, bool) or not isinstance(x, int) or x < 0 for x in seeds):
        raise fail("study", "seeds", f"{s.get('seeds')!r}: a list of seeds >= 0, or a count >= 1")
    try:
        resolutions = tuple(parse_res(r) for r in s.get("resolutions", ["512x1024"]))
    except ArenaError as e:
        raise fail("study", "resolutions", str(e)) from None
    kinds = tuple(s.get("kinds", KINDS))
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise fail("study", "kinds", f"unknown kind {bad[0]!r} (kinds are {', '.join(KINDS)})")
    train = dict(data.get("train", {}))
    train.setdefault("schedule", "short")
    train.setdefault("data", "synthetic")
    from arena.train.schedules import SCHEDULES

    if train["schedule"] not in SCHEDULES and train["schedule"] != "paper":
        raise fail("train", "schedule", f"unknown schedule {train['schedule']!r} "
                                        f"(choose from {', '.join([*SCHEDULES, 'paper'])})")
    study = Study(name=s.get("name", Path(source).stem), networks=tuple(nets), swaps=tuple(variants),
                  seeds=tuple(seeds), resolutions=resolutions, kinds=kinds, train=train,
                  bench=dict(data.get("bench", {})), description=s.get("description", ""), source=source)
    return study


# -- the grid ---------------------------------------------------------------------------------------
@dataclass
class Plan:
    """The expanded grid: jobs to run, and the cells that do not apply (network, swap, reason)."""

    jobs: list[Job]
    not_applicable: list[tuple[str, str, str]]
    specs: dict[tuple[str, str], str]  # (network, swap) -> canonical spec


def expand(study: Study, threads: int | None = None) -> Plan:
    """Every (network, swap) that builds, times every kind, resolution and seed; n/a cells reported.

    A swap that applies to no network at all is an error up front, with each network's reason.
    """
    from arena.api import resolve
    from arena.dsl.errors import DSLError, NotApplicable

    specs: dict[tuple[str, str], str] = {}
    not_applicable: list[tuple[str, str, str]] = []
    for swap in study.swaps:
        reasons = []
        for net in study.networks:
            try:
                spec = _check_builds(net, swap) if swap else resolve(net).canonical
                specs[(net, swap)] = spec
            except NotApplicable as e:
                not_applicable.append((net, swap, str(e)))
                reasons.append(f"{net}: {e}")
            except DSLError as e:
                raise StudyError(f"swap {swap!r}: {e}") from None
        if swap and not any(s == swap for _, s in specs):
            raise StudyError(f"swap {swap!r} applies to none of the networks: {'; '.join(reasons)}")
    jobs: list[Job] = []
    bench = dict(study.bench)
    for net in study.networks:
        mine = [specs[(net, s)] for s in study.swaps if (net, s) in specs]
        if not mine:
            continue
        for res in study.resolutions:
            if "profile" in study.kinds:
                jobs += [Job("profile", (spec,), res, threads=threads, study=study.name) for spec in mine]
            if "bench" in study.kinds:
                jobs.append(Job("bench", tuple(mine), res, bench=bench, threads=threads, study=study.name))
        if "train" in study.kinds:
            for seed in study.seeds:
                jobs += [Job("train", (spec,), None, seed, dict(study.train), threads=threads, study=study.name)
                         for spec in mine]
    return Plan(jobs, not_applicable, specs)


def _check_builds(net: str, swap: str) -> str:
    """The canonical spec of `net` with `swap`, built on meta tensors; NotApplicable when it cannot fit."""
    from arena.api import build

    return build(net, [swap], device="meta").canonical


# -- what is already done -------------------------------------------------------------------------
def done_keys(out: str | Path, *, rerun_stale: bool = False) -> set[str]:
    """Keys of the rows already in the results store (rows made by other code too, unless rerun_stale)."""
    import warnings

    from arena import __version__, env, results

    out = Path(out)
    keys: set[str] = set()
    if not out.is_dir():
        return keys
    commit = env.git_commit()
    for path in sorted(out.glob("*.jsonl")):
        if path.name == FAILURES:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = results.read_rows(path)
        for row in rows:
            key = row.get("job_key")
            if not key:
                continue
            stale = row.get("git_commit") != commit or row.get("arena_version") != __version__
            if rerun_stale and stale:
                continue
            keys.add(key)
    return keys


FAILURES = "failures.jsonl"


def failed_keys(out: str | Path) -> dict[str, str]:
    out = Path(out) / FAILURES
    if not out.is_file():
        return {}
    failures = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for key in record.get("keys", []):
            failures[key] = record.get("error", "")
    return failures


def record_failure(out: str | Path, job: Job, error: str) -> None:
    import datetime as dt
    import os

    path = Path(out) / FAILURES
    line = json.dumps({"job": job.to_dict(), "keys": job.keys(), "error": error,
                       "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def clear_failures(out: str | Path, keys: set[str]) -> None:
    """Forget the failures of jobs that are being retried (they get a new record if they fail again)."""
    path = Path(out) / FAILURES
    if not path.is_file():
        return
    kept = [line for line in path.read_text(encoding="utf-8").splitlines()
            if not set(json.loads(line).get("keys", [])) & keys]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    tmp.replace(path)


# -- running one job (in any process) --------------------------------------------------------------
def execute(job: Job | dict[str, Any], device: str | None = None) -> list[dict[str, Any]]:
    """Run one job and return its rows (the driver writes them). Threads are set explicitly first.

    `device` runs the job there instead of on the device it names (a Ray task sees only the GPU Ray
    gave it, as cuda:0); its rows keep the job's keys and record the device that ran."""
    import torch

    if isinstance(job, dict):
        job = Job(**{**job, "specs": tuple(job["specs"]), "res": tuple(job["res"]) if job.get("res") else None})
    keys = job.keys()
    if device is not None and job.needs_gpu:
        job = dataclasses.replace(job, bench={**job.bench, "device": device} if job.bench else {},
                                  train={**job.train, "device": device} if job.train else {})
    _fault_injection(job)
    if job.threads:
        torch.set_num_threads(job.threads)
    if job.kind == "profile":
        from arena.measure.profile import profile, to_row

        rows = [to_row(profile(job.specs[0], job.res))]
    elif job.kind == "bench":
        from arena.measure import bench

        protocol = bench.Protocol(threads=job.threads, **{k: v for k, v in job.bench.items()})
        results = bench.bench([bench.Case(spec, job.res, protocol) for spec in job.specs])
        rows = [bench.to_row(r) for r in results]
    elif job.kind == "train":
        import tempfile

        from arena.measure.profile import parse_res
        from arena.train.loop import TrainConfig, train

        options = dict(job.train)
        crop = options.pop("crop", None)
        with tempfile.TemporaryDirectory() as scratch:
            run = train(TrainConfig(job.specs[0], seed=job.seed, threads=job.threads, out=scratch,
                                    crop=parse_res(crop) if crop else None, **options))
        rows = [run.row]
        rows[0]["metrics"].pop("run_dir", None)  # the scratch folder is gone; the row is the record
    else:
        raise StudyError(f"unknown job kind {job.kind!r}")
    for row, key in zip(rows, keys):
        row["job_key"], row["study"] = key, job.study
        row["protocol"]["job_threads"] = job.threads
        if job.kind == "bench":
            row["protocol"]["timed_with"] = sorted(job.specs)
    return rows


def _fault_injection(job: Job) -> None:
    """Tests kill a worker process mid-study (a crash nothing can catch) by naming a job in this variable."""
    import multiprocessing
    import os

    if os.environ.get("ARENA_TEST_KILL_JOB") == job.label and multiprocessing.parent_process() is not None:
        os._exit(1)


def estimate_seconds(job: Job) -> float:
    """A rough cost for `--dry-run`, from the MACs of the networks on this kind of CPU (~20 GMAC/s)."""
    from arena.measure.profile import profile

    rate = 20e9
    if job.kind == "profile":
        return 1.0
    if job.kind == "bench":
        macs = sum(profile(s, job.res)["macs"] for s in job.specs)
        iters = job.bench.get("iters", 20) + 10
        return macs * iters / rate
    from arena.train.schedules import schedule_for

    s = schedule_for(job.train.get("schedule", "short"), None) if job.train.get("schedule") != "paper" else None
    if s is None:
        return float("nan")
    iters = job.train.get("iters") or s.iters
    crop = s.crop
    macs = profile(job.specs[0], crop)["macs"]
    return 3 * macs * s.batch * iters / rate


# -- the driver -------------------------------------------------------------------------------------
def run_study(study: Study, engine, out: str | Path, *, retry_failed: bool = False, rerun_stale: bool = False,
              dry_run: bool = False, on_progress=None) -> dict[str, Any]:
    """Expand, skip what is done, run the rest on `engine`; only this process writes the results store."""
    from arena import results

    folder = results.writable_dir(out, create=False)  # probed, not made: a study refused below leaves nothing
    plan = expand(study)
    done = done_keys(folder, rerun_stale=rerun_stale) if folder.is_dir() else set()
    failed = failed_keys(folder) if folder.is_dir() else {}
    todo, skipped, held = [], [], []
    for job in plan.jobs:
        keys = job.keys()
        if all(k in done for k in keys):
            skipped.append(job)
        elif any(k in failed for k in keys) and not retry_failed:
            held.append((job, next(failed[k] for k in keys if k in failed)))
        else:
            todo.append(job)
    summary: dict[str, Any] = {"study": study.name, "jobs": len(plan.jobs), "skipped": len(skipped),
                               "to_run": len(todo), "held_failed": [(j.label, e) for j, e in held],
                               "not_applicable": plan.not_applicable, "engine": engine.describe(),
                               "out": str(folder)}
    if dry_run:
        summary["plan"] = [j.label for j in todo]
        summary["estimated_s"] = sum(estimate_seconds(j) for j in todo)
        return summary
    folder.mkdir(parents=True, exist_ok=True)
    if retry_failed:
        clear_failures(folder, {k for j in todo for k in j.keys()})
    written, failures = [], []

    def on_rows(job: Job, rows: list[dict[str, Any]]) -> None:
        fresh = [r for r in rows if r["job_key"] not in done]  # a rerun job never duplicates a finished row
        results.append(folder / f"{job.kind}.jsonl", fresh)
        done.update(r["job_key"] for r in fresh)
        written.extend(fresh)

    def on_failure(job: Job, error: str) -> None:
        record_failure(folder, job, error)
        failures.append((job.label, error))

    engine.run(todo, on_rows, on_failure, on_progress)
    summary.update(rows_written=len(written), failed=failures)
    return summary
