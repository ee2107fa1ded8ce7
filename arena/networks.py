"""The one table of shipped variants, gathered from the family modules (arena/families/, one per family).

Official figures were measured on each network's official code (each Variant's `source`, and
docs/networks.md): inference parameters (no auxiliary heads, 19 classes) and fvcore MACs (one
multiply-add = 1, BN and interpolation included, final resize included) at 512x1024 and 1024x2048.
Where arena builds fewer parameters on purpose, `unused_params` says how many the official model
holds in layers it never calls, and why: the expected figure is then official - unused, checked as
strictly as any other (DESIGN.md §4 tolerances: 0.5 % parameters, 2 % MACs).
"""
from __future__ import annotations

from arena import families
from arena.families.records import Family, Variant

PARAM_TOLERANCE = 0.005
MAC_TOLERANCE = 0.02
RESOLUTIONS = ((512, 1024), (1024, 2048))  # the two sizes official MACs were measured at

FAMILIES: dict[str, Family] = {name: module.FAMILY for name, module in families.modules().items()}
VARIANTS: dict[str, Variant] = {v.name: v for module in families.modules().values() for v in module.VARIANTS}

# `arena profile all`, `arena verify`: every variant with official figures.
PUBLISHED: tuple[str, ...] = tuple(v.name for v in VARIANTS.values() if v.params is not None)
# One variant per published network of the default study set: what studies run by default (the
# budget of `arena ablate` is planned for these five; `--nets all` adds the others).
REPRESENTATIVES: tuple[str, ...] = tuple(f.representative for f in FAMILIES.values() if f.default_study)
# One variant of every family: what the swap matrix (`arena swaps`) covers by default.
EVERY_FAMILY: tuple[str, ...] = tuple(f.representative for f in FAMILIES.values())


def family_of(variant: str) -> Family | None:
    """The published family of a shipped variant, or None for a user's own network."""
    v = VARIANTS.get(variant)
    return FAMILIES[v.family] if v else None
