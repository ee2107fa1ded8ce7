"""How often a study resolves and builds its specs: counts of `arena.api.build`, `arena.api.resolve`
and `check_resolution` during one CLI command, run in this process.

    python benchmarks/count_resolves.py ablate --swap upsampler=gai --nets fast_scnn,sgcpnet --seeds 2 \
        --schedule smoke --skip-train --skip-bench --yes --out /tmp/counts

Every call is counted, nested ones included (a build resolves its spec; a size check on a built
network may build a meta twin); "networks built" counts every GraphNet made, through api.build or
straight from a resolved spec. Works on any checkout: `check_resolution` is patched wherever it is
defined (arena.sizes, or arena.measure.profile before it moved there). No timing.
"""
from __future__ import annotations

import functools
import importlib
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COUNTS: Counter = Counter()


def _counted(module, name: str, label: str) -> None:
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        COUNTS[label] += 1
        return original(*args, **kwargs)

    setattr(module, name, wrapper)


def main() -> int:
    import arena.api

    import arena.graph

    _counted(arena.api, "build", "build")
    _counted(arena.api, "resolve", "resolve")
    _counted(arena.graph.GraphNet, "__init__", "networks")  # every network made, by api.build or not
    for where in ("arena.sizes", "arena.measure.profile"):  # patched before any caller imports it
        try:
            module = importlib.import_module(where)
        except ImportError:
            continue
        if hasattr(module, "check_resolution") and getattr(module.check_resolution, "__module__", "") == where:
            _counted(module, "check_resolution", "check_resolution")
    from arena.cli import main as cli_main

    sys.argv = ["arena", *sys.argv[1:]]
    try:
        cli_main()
    except SystemExit as e:
        code = e.code or 0
    else:
        code = 0
    print(f"calls: api.build {COUNTS['build']}, api.resolve {COUNTS['resolve']}, check_resolution "
          f"{COUNTS['check_resolution']}; networks built {COUNTS['networks']} (exit {code})", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
