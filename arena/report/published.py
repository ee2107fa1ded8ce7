"""The papers' own reported figures for every published variant, with the source of each.

Gathered from the family modules (arena/families/<family>.py, PUBLISHED). Plain data, transcribed
from docs/networks.md ("Published results" of each network), which cites
the team's specs (`../shared/specs/<net>.md`, §5 or §6). A value the sources do not state is None,
never guessed; where a source hedges ("presumably 1024x2048", "split not stated"), the value is
None and `note` says what is known. These figures were measured by the authors on their own GPUs,
frameworks and protocols: they are never mixed unmarked with arena's re-measured numbers (plots put
them in their own panel, tables mark them with a dagger and their source).

Units: `miou` in percent, `fps` frames per second, `params_m` millions of parameters, `cost` in the
unit the paper states (`cost_unit`: "GFLOPs" or "GMACs"; None when the paper gives no figure; none
of the five seed papers' cost columns could be retrieved, so their `cost` is None; DDRNet's and PIDNet's
are the recalled paper tables the specs mark unverified; BiSeNetV2's 21.15 GFLOPs is the paper's). `headline` marks
the row a paper leads with for that variant and dataset (the one plots and tables use by default).
"""
from __future__ import annotations

import dataclasses

from arena import families
from arena.families.records import Published

PUBLISHED: tuple[Published, ...] = tuple(p for module in families.modules().values() for p in module.PUBLISHED)

FIELDS = tuple(f.name for f in dataclasses.fields(Published)) + ("latency_ms", "gmacs")


def records(variants=None, dataset: str | None = None, headline_only: bool = False) -> tuple[Published, ...]:
    """The published records, optionally for some variants, one dataset, or only the headline rows."""
    wanted = None if variants is None else set(variants)
    return tuple(p for p in PUBLISHED
                 if (wanted is None or p.variant in wanted)
                 and (dataset is None or p.dataset == dataset)
                 and (not headline_only or p.headline))


def frame(variants=None, dataset: str | None = None, headline_only: bool = False):
    """The published records as a pandas DataFrame (columns: FIELDS; unknowns are None/NaN)."""
    import pandas as pd

    rows = [{**dataclasses.asdict(p), "latency_ms": p.latency_ms, "gmacs": p.gmacs}
            for p in records(variants, dataset, headline_only)]
    return pd.DataFrame(rows, columns=list(FIELDS))


def backbone(variant: str) -> str | None:
    """The backbone the paper names for an arena variant (None for a variant no paper describes)."""
    return next((p.backbone for p in PUBLISHED if p.variant == variant), None)
