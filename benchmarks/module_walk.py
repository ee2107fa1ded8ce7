"""The walk a command takes through arena's modules: every arena function it calls, in first-call
order, and how often the walk returns to a module it had left (a measure of how many rooms one idea
is spread over). Used for issue 15's before/after figure of `arena ablate`.

    python benchmarks/module_walk.py ablate --swap upsampler=gai --nets fast_scnn --seeds 2 --schedule smoke

Prints the protocol, the functions (module.function) in first-call order, and the counts: module
changes along the call sequence, and re-entries (a change into a module already visited and left).
Calls into blocks/, torch and the standard library are not counted; `arena.cli.render` is.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> None:
    import arena
    from arena.cli import main as cli

    root = str(Path(arena.__file__).resolve().parent)
    order: dict[str, None] = {}
    sequence: list[str] = []

    def profile(frame, event, arg):
        if event != "call":
            return
        path = frame.f_code.co_filename
        if not path.startswith(root):
            return
        module = frame.f_globals.get("__name__", "?")
        order.setdefault(f"{module}.{frame.f_code.co_name}")
        if not sequence or sequence[-1] != module:
            sequence.append(module)

    out = tempfile.mkdtemp(prefix="walk-")
    sys.argv = ["arena", *argv, "--out", out]
    sys.setprofile(profile)
    try:
        cli()
    except SystemExit:
        pass
    finally:
        sys.setprofile(None)
    seen, reentries = set(), 0
    for module in sequence:
        reentries += module in seen
        seen.add(module)
    print(f"# protocol: arena {' '.join(argv)} --out {out}; calls into {root} only, sys.setprofile")
    for name in order:
        print(name)
    print(f"# {len(order)} functions, {len(seen)} modules, {len(sequence) - 1} module changes, "
          f"{reentries} re-entries into a module already left")


if __name__ == "__main__":
    main(sys.argv[1:])
