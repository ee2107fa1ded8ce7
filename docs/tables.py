"""Regenerate the network tables of README.md and docs/networks.md from the family modules.

    python docs/tables.py --write     # rewrite the generated regions in place
    python docs/tables.py --check     # exit 1 and name the files whose tables are stale

Only the text between the `<!-- BEGIN generated ... -->` and `<!-- END generated ... -->` markers
changes (arena/families/docs.py builds it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arena.families import docs  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="rewrite the generated regions")
    group.add_argument("--check", action="store_true", help="exit 1 when a committed table is stale")
    args = ap.parse_args()
    stale = []
    for rel in docs.REGIONS:
        path = ROOT / rel
        text = path.read_text(encoding="utf-8")
        new = docs.generated(rel, text)
        if new != text:
            stale.append(rel)
            if args.write:
                path.write_text(new, encoding="utf-8")
    verb = "rewrote" if args.write else "stale"
    print(f"{verb}: {', '.join(stale)}" if stale else "the network tables are up to date")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
