"""A study's plan: the jobs its grid expands into, their keys, and what they would cost.

A job is plain data (picklable, JSON-able): what to measure (profile, bench or train), on which
spec, with which protocol. Its key is what decides whether it must still run: a row already in the
results store with the same key is never run again, so an interrupted study (Ctrl-C, a killed
worker, a crashed job) is finished by running it again.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from arena.dsl.spec import Swap
from arena.studies.schema import Study, StudyError
from arena.studies.spec_cache import SpecCache


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
    evaluate: tuple[tuple[str, str], ...] = ()  # train: (backend, dtype) modes its weights are evaluated in

    def keys(self) -> list[str]:
        """One key per row the job writes: spec, kind, dataset, schedule, seed and protocol (a train job
        that evaluates writes its eval rows after its train row, one per mode)."""
        keys = [row_key(self.kind, spec, self._protocol()) for spec in self.specs]
        return keys + [row_key("eval", self.specs[0], {**self._protocol(), "mode": list(m)}) for m in self.evaluate]

    def _protocol(self) -> dict[str, Any]:
        if self.kind == "profile":
            return {"res": list(self.res)}
        if self.kind == "bench":  # rows timed together are paired by round: the peers are part of the key
            return {"res": list(self.res), **self.bench, "timed_with": sorted(self.specs)}
        return {"seed": self.seed, **self.train}

    @property
    def label(self) -> str:
        """How plans, progress lines and failure logs name the job (a bench of many networks: the
        first two and a count, so a plan's table stays as wide as a terminal)."""
        what = " vs ".join(self.specs) if len(self.specs) <= 3 else \
            f"{len(self.specs)} networks timed together ({', '.join(self.specs[:2])} and {len(self.specs) - 2} more)"
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


@dataclass
class Plan:
    """The expanded grid: jobs to run, and the cells that do not apply (network, swap, reason)."""

    jobs: list[Job]
    not_applicable: list[tuple[str, Swap, str]]
    specs: dict[tuple[str, Swap | None], str]  # (network, swap; None: the base) -> canonical spec


def expand(study: Study) -> Plan:
    """Every (network, swap) that builds, times every kind, resolution and seed; n/a cells reported.

    A swap that applies to no network at all is an error up front, with each network's reason.
    """
    from arena.dsl.errors import DSLError, NotApplicable

    specs: dict[tuple[str, Swap | None], str] = {}
    not_applicable: list[tuple[str, Swap, str]] = []
    for swap in study.swaps:
        reasons = []
        for net in study.networks:
            try:
                # a swapped network is built (on meta) to know that the swap fits; the base only resolved
                spec = (study.specs.meta(net, (swap,)) if swap else study.specs.resolve(net)).canonical
                specs[(net, swap)] = spec
            except NotApplicable as e:
                not_applicable.append((net, swap, str(e)))
                reasons.append(f"{net}: {e}")
            except DSLError as e:
                raise StudyError(f"swap {str(swap)!r}: {e}") from None
        if swap and not any(s == swap for _, s in specs):
            raise StudyError(f"swap {str(swap)!r} applies to none of the networks: {'; '.join(reasons)}")
    jobs: list[Job] = []
    bench = dict(study.bench)
    for net in study.networks:
        mine = [specs[(net, s)] for s in study.swaps if (net, s) in specs]
        if not mine:
            continue
        for res in study.resolutions:
            if "profile" in study.kinds:
                jobs += [Job("profile", (spec,), res, study=study.name) for spec in mine]
            if "bench" in study.kinds:
                jobs.append(Job("bench", tuple(mine), res, bench=bench, study=study.name))
        if "train" in study.kinds and not isinstance(study.train.get("iters"), list):
            for seed in study.seeds:
                jobs += [Job("train", (spec,), None, seed, dict(study.train), study=study.name,
                             evaluate=study.evaluate) for spec in mine]
    if "train" in study.kinds and isinstance(study.train.get("iters"), list):
        # listed budgets, in the order listed (shortest first, say): every network at one budget before the next,
        # so a study stopped early holds whole budgets
        for n in study.train["iters"]:
            for net in study.networks:
                for seed in study.seeds:
                    jobs += [Job("train", (specs[(net, s)],), None, seed, dict(study.train, iters=n),
                                 study=study.name, evaluate=study.evaluate) for s in study.swaps if (net, s) in specs]
    return Plan(jobs, not_applicable, specs)


def device_of(job: Job) -> str:
    """Where a job runs: its bench or train device (profile jobs count on meta tensors: cpu)."""
    options = job.bench if job.kind == "bench" else job.train if job.kind == "train" else {}
    return str(options.get("device", "cpu"))


def train_setup(job: Job):
    """(schedule, crop, batch) a train job runs with: its schedule's, overridden by the job's options;
    (None, None, None) for `paper`, whose recipe depends on the network's family."""
    from arena.checks import parse_res
    from arena.train.schedules import SCHEDULES

    schedule = SCHEDULES.get(job.train.get("schedule", "short"))
    if schedule is None:
        return None, None, None
    crop = parse_res(job.train["crop"]) if job.train.get("crop") else schedule.crop
    return schedule, crop, job.train.get("batch") or schedule.batch


def preflight(jobs: list[Job], specs: SpecCache | None = None) -> list[tuple[str, str]]:
    """(job label, reason) for every job that cannot run as planned, found before any runs: the
    device is missing, the network cannot run at the job's size, its classes differ from the
    dataset's, the dataset folder is not there. Each distinct question is asked once, of the study's
    meta-built networks (`specs`: the Study's cache; a fresh one when none is given)."""
    import torch

    from arena.errors import ArenaError

    problems, seen = [], {}
    specs = specs if specs is not None else SpecCache()

    def once(key, check):
        if key not in seen:
            try:
                check()
                seen[key] = None
            except ArenaError as e:
                seen[key] = str(e)
        return seen[key]

    for job in jobs:
        device = device_of(job)
        reason = None
        if device.startswith("cuda") and not torch.cuda.is_available():
            reason = f"--device {device}: no CUDA device here (torch.cuda.is_available() is False); use --device cpu"
        for spec in job.specs:
            if reason:
                break
            net = specs.meta(spec)
            size = job.res
            if job.kind == "train":
                _, size, _ = train_setup(job)
                data = job.train.get("data", "synthetic")
                reason = once(("data", data, net.classes), lambda: _check_data(data, net.classes, spec))
            if size and not reason:
                reason = once(("memory", spec, job.kind, tuple(size), _batch(job)),
                              lambda: _check_memory(job, net, size))
            if size and not reason:
                reason = once(("size", spec, tuple(size)), lambda: net.check_resolution(*size))
            if size and not reason:
                reason = attention_fits(job, net, size, once)
        if reason:
            problems.append((job.label, reason))
    return problems


def attention_fits(job: Job, net, size, once) -> str | None:
    """None, or why the job's attention maps (quadratic in pixels for `pam`, 1.5th power for `cca`) would
    not fit in this machine's RAM at its size and batch, with a resolution that would."""
    from arena.measure.attention_memory import check_attention_memory

    training, batch = job.kind == "train", _batch(job)
    return once(("attention", net.canonical, tuple(size), batch, training),
                lambda: check_attention_memory(net, *size, batch=batch, training=training))


def _batch(job: Job) -> int:
    return train_setup(job)[2] if job.kind == "train" else int((job.bench or {}).get("batch", 1) or 1)


def _check_memory(job: Job, net, size) -> None:
    """Weights, gradients, optimiser state and activations of the job's size (arena.measure.memory)."""
    from arena.measure import memory

    memory.check(net, *size, batch=_batch(job), training=job.kind == "train")


def _check_data(data: str, classes: int, spec: str) -> None:
    from arena.data import open_dataset
    from arena.errors import ArenaError

    _, desc = open_dataset(data, "val", crop=None, length=1) if data.startswith("synthetic") else \
        open_dataset(data, "val")
    if desc["classes"] != classes:
        raise ArenaError(f"{spec} predicts {classes} classes but {desc['name']} has {desc['classes']}: "
                         f"train {spec.split('[')[0]}[classes={desc['classes']}]")
