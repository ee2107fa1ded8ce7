"""Study files (TOML): the schema of a grid of networks x swaps x seeds x resolutions x schedule,
and its validation into a `Study` (every mistake one line naming the file, key and line).

`plan.py` expands a Study into jobs; `driver.py` runs them.

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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arena.dsl.spec import Swap
from arena.errors import ArenaError
from arena.studies.spec_cache import SpecCache

KINDS = ("profile", "bench", "train")
STUDY_KEYS = {"name": str, "description": str, "networks": (list, str), "swaps": list, "include_base": bool,
              "seeds": (list, int), "resolutions": list, "kinds": list}
TRAIN_KEYS = {"schedule": str, "data": str, "iters": (int, list), "batch": int, "crop": str, "device": str,
              "workers": int}  # iters: one length, or a list of budgets (each a run of its own: proxy.toml)
BENCH_KEYS = {"device": str, "iters": int, "dtype": str, "batch": int, "channels_last": bool, "fuse_bn": bool,
              "compile": str, "cuda_graphs": bool, "backend": str, "warmup_max": int}
SECTIONS = {"study": STUDY_KEYS, "train": TRAIN_KEYS, "bench": BENCH_KEYS}
MAX_SEED = 2**31 - 1  # what every seeded generator accepts
MAX_JOBS = 5000  # a grid larger than this is a typo (seeds = 100000000), not a study
RANGES = {("train", "iters"): (1, 10**7), ("train", "batch"): (1, 4096), ("train", "workers"): (0, 256),
          ("bench", "iters"): (1, 10**6), ("bench", "batch"): (1, 4096), ("bench", "warmup_max"): (0, 10**5)}


class StudyError(ArenaError):
    """A study file that cannot be run as written; the message names the file, key and line."""


@dataclass(frozen=True)
class Study:
    name: str
    networks: tuple[str, ...]
    swaps: tuple[Swap | None, ...]  # None is the base network
    seeds: tuple[int, ...]
    resolutions: tuple[tuple[int, int], ...]
    kinds: tuple[str, ...]
    train: dict[str, Any] = field(default_factory=dict)
    bench: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""
    # each distinct spec resolved and meta-built once for the whole study (schema, plan, preflight)
    specs: SpecCache = field(default_factory=SpecCache, compare=False, repr=False)


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


def _unique(fail, section: str, key: str, values) -> list:
    """`values` without repeats (first kept); one warning line naming what was removed."""
    kept = []
    for v in values:
        if v not in kept:
            kept.append(v)
    if len(kept) < len(values):
        import warnings

        removed = [f"{v[0]}x{v[1]}" if isinstance(v, tuple) else v for i, v in enumerate(values) if v in values[:i]]
        warnings.warn(str(fail(section, key, f"duplicate {', '.join(map(repr, removed))} removed (each is "
                                              "planned once)")), stacklevel=3)
    return kept


def load(path: str | Path) -> Study:
    """Read and validate a study file; every mistake is one StudyError naming the key and line."""
    import tomllib

    from arena.checks import file_problem

    path = Path(path)
    problem = file_problem(path)
    if problem == "no such file":
        raise StudyError(f"no such study file: {path} (see experiments/README.md for the shipped ones)")
    if problem:
        raise StudyError(f"cannot read study file {path}: {problem} (pass a .toml study file)")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise StudyError(f"{path}: not UTF-8 text (byte {e.start}): a study file is TOML text") from None
    except OSError as e:
        raise StudyError(f"cannot read study file {path}: {e.strerror or e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise StudyError(f"{path}: not valid TOML: {e}") from None
    return from_dict(data, str(path), text)


def from_dict(data: dict[str, Any], source: str = "<study>", text: str = "") -> Study:
    """Validate parsed TOML (or a dict built by `arena ablate`) into a Study."""
    from arena.checks import parse_res

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
    for (section, key), (low, high) in RANGES.items():
        value = data.get(section, {}).get(key)
        for v in value if isinstance(value, list) else [] if value is None else [value]:
            if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
                raise fail(section, key, f"{v!r} is out of range: give an integer from {low} to {high:,}")
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
    specs = SpecCache()
    for net in nets:
        if not isinstance(net, str):
            raise fail("study", "networks", f"{net!r} is not a network name")
        try:
            specs.resolve(net)
        except ArenaError as e:
            raise fail("study", "networks", str(e)) from None
    try:  # parsed once here: the plan, the jobs and the ablation read these Swap values
        swaps = [Swap.parse(x) for x in s.get("swaps", []) if str(x).strip() not in ("", "none", "base")]
    except ArenaError as e:
        raise fail("study", "swaps", str(e)) from None
    variants = ([None] if s.get("include_base", True) else []) + swaps
    if not variants:
        raise fail("study", "swaps", "nothing to run: give swaps or keep include_base = true")
    seeds = s.get("seeds", [0])
    if isinstance(seeds, int) and not isinstance(seeds, bool) and not 1 <= seeds <= MAX_JOBS:
        raise fail("study", "seeds", f"{seeds!r} seeds: give a count from 1 to {MAX_JOBS}")
    seeds = list(range(seeds)) if isinstance(seeds, int) else seeds
    if not seeds or any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= MAX_SEED for x in seeds):
        raise fail("study", "seeds", f"{s.get('seeds')!r}: a list of seeds from 0 to {MAX_SEED}, or a count >= 1")
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
    iters = train.get("iters")
    budgets = iters if isinstance(iters, list) else [] if iters is None else [iters]
    if (isinstance(iters, list) and not iters) or any(isinstance(b, bool) or not isinstance(b, int) or b < 1
                                                       for b in budgets):
        raise fail("train", "iters", f"{iters!r}: an iteration count >= 1, or a list of them (one run per budget)")
    nets, variants, seeds = (_unique(fail, "study", k, v) for k, v in (("networks", nets), ("swaps", variants),
                                                                       ("seeds", seeds)))
    resolutions, kinds = _unique(fail, "study", "resolutions", resolutions), _unique(fail, "study", "kinds", kinds)
    if isinstance(iters, list):
        train["iters"] = _unique(fail, "train", "iters", iters)
    jobs = len(nets) * len(variants) * len(resolutions) * len(kinds) * len(seeds) * max(1, len(budgets))
    if jobs > MAX_JOBS:
        raise fail("study", None, f"the grid makes about {jobs:,} jobs, more than {MAX_JOBS:,}: fewer networks, "
                                  "swaps, seeds or resolutions (or split it into several studies)")
    study = Study(name=s.get("name", Path(source).stem), networks=tuple(nets), swaps=tuple(variants),
                  seeds=tuple(seeds), resolutions=resolutions, kinds=kinds, train=train,
                  bench=dict(data.get("bench", {})), description=s.get("description", ""), source=source,
                  specs=specs)
    return study


