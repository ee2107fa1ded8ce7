"""Every family's key table, by the name `arena.networks.Variant.key_table` gives it.

A new family adds one module here (a function returning its `KeyTable`) and one line below.
"""
from __future__ import annotations

from arena.official.keys import KeyTable, OfficialCheckpointError
from arena.official.tables import bisenetv2, ddrnet, fanet, gain, pidnet, s2fpn, sgcpnet, stdc

TABLES: dict[str, KeyTable] = {
    "fanet": fanet.fanet(),
    "s2fpn": s2fpn.s2fpn(),
    "sgcpnet": sgcpnet.sgcpnet(),
    "gain18": gain.gain18(),
    "gain_df2": gain.gain_df2(),
    "ddrnet": ddrnet.ddrnet(),
    "pidnet": pidnet.pidnet(),
    "stdc1_seg": stdc.stdc1_seg(),
    "stdc2_seg": stdc.stdc2_seg(),
    "bisenetv2": bisenetv2.bisenetv2(),
}


def table(variant: str) -> KeyTable:
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
    return TABLES[v.key_table]
