"""Every family's key table, gathered from the family modules (arena/families/<family>.py, KEY_TABLES).

`arena.networks.Variant.key_table` names the table a variant's official checkpoint uses.
"""
from __future__ import annotations

import functools

from arena.official.keys import KeyTable, OfficialCheckpointError


@functools.cache
def key_tables() -> dict[str, KeyTable]:
    """Key-table name -> its table, over every family module (built once, on first use)."""
    from arena import families

    out: dict[str, KeyTable] = {}
    for module in families.modules().values():
        for name, make in module.KEY_TABLES.items():
            out[name] = make()
    return out


def key_table(variant: str) -> KeyTable:
    """The key table of a published variant; an error naming the variants that have one otherwise."""
    from arena.networks import FAMILIES, VARIANTS

    v = VARIANTS.get(variant)
    if v is not None and not v.key_table:
        fam = FAMILIES[v.family]
        why = "it has no official code" if not fam.code else "no key table is written for it yet"
        raise OfficialCheckpointError(f"{variant}: no official checkpoint can be loaded: {why} ({fam.doc})")
    if v is None:
        have = [name for name, var in VARIANTS.items() if var.key_table]
        raise OfficialCheckpointError(f"{variant} is not a published variant with official code "
                                      f"(one of {', '.join(have)})")
    return key_tables()[v.key_table]
