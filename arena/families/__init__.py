"""The published families, one module each, discovered: a new family is a new module here, listed nowhere.

A family module (every module of this package but `records` and names starting with `_`) defines
FAMILY (a `records.Family`), VARIANTS (its `records.Variant`s with the official figures and their
source), PAPER (the paper's training recipe, an `arena.schedule.Schedule`), PUBLISHED (the papers'
own results, `records.Published`) and KEY_TABLES (official checkpoint names: key-table name ->
function returning its `arena.official.keys.KeyTable`; empty without official code). Listings
follow `FAMILY.order`, the order the families joined arena.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType

NOT_FAMILIES = ("records", "docs")  # the record types and the documentation generator
REQUIRED = ("FAMILY", "VARIANTS", "PAPER", "PUBLISHED", "KEY_TABLES")


@functools.cache
def modules() -> dict[str, ModuleType]:
    """Family name -> its module, in FAMILY.order; a module missing a required name is a bug, said here."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in NOT_FAMILIES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        missing = [name for name in REQUIRED if not hasattr(module, name)]
        if missing:
            raise ImportError(f"arena/families/{info.name}.py lacks {', '.join(missing)} (see this package's docstring)")
        found.append(module)
    found.sort(key=lambda m: m.FAMILY.order)
    return {m.FAMILY.name: m for m in found}
