"""The family modules (arena/families/): discovered, complete, and the one source of every table built on them.

Every check here runs over the aggregate, so a new family module is tested without editing this file;
what is particular to one network stays in its own test file.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import arena
from arena import api, families
from arena.families.records import Family, Published, Variant
from arena.networks import EVERY_FAMILY, FAMILIES, PUBLISHED, REPRESENTATIVES, VARIANTS
from arena.official.tables import key_tables
from arena.report import published
from arena.schedule import Schedule
from arena.train.schedules import PAPER

ROOT = Path(__file__).resolve().parents[2]
MODULES = families.modules()


def test_every_module_of_the_package_is_a_family():
    files = {p.stem for p in (ROOT / "arena" / "families").glob("*.py")} - {"__init__", *families.NOT_FAMILIES}
    assert set(MODULES) == files  # one module per family, named as the family
    assert list(FAMILIES) == list(MODULES)
    orders = [m.FAMILY.order for m in MODULES.values()]
    assert orders == sorted(set(orders))  # distinct, and listings follow them


@pytest.mark.parametrize("name", list(MODULES))
def test_family_module_is_complete_and_its_own(name):
    module = MODULES[name]
    assert isinstance(module.FAMILY, Family) and module.FAMILY.name == name
    assert module.VARIANTS and all(isinstance(v, Variant) and v.family == name for v in module.VARIANTS)
    assert module.FAMILY.representative in {v.name for v in module.VARIANTS}
    assert isinstance(module.PAPER, Schedule) and module.PAPER.name == "paper" and module.PAPER.source
    assert all(isinstance(p, Published) for p in module.PUBLISHED)
    assert {p.variant for p in module.PUBLISHED} <= {v.name for v in module.VARIANTS}
    for v in module.VARIANTS:  # a variant's key table is its family's own
        assert not v.key_table or v.key_table in module.KEY_TABLES
    assert bool(module.KEY_TABLES) == bool(module.FAMILY.code)  # official code <=> a key table
    anchor = module.FAMILY.doc.split("#")[1]
    headings = re.findall(r"^## (.+)$", (ROOT / "docs" / "networks.md").read_text(), re.M)
    assert anchor in {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def test_list_nets_is_the_variants_table():
    """The shipped `.arena` variants and the family modules' variants are one list."""
    assert sorted(arena.list_nets()) == sorted(VARIANTS)
    assert sorted(api.catalogue()) == sorted(VARIANTS)


def test_aggregates_are_gathered_from_every_module():
    assert len(VARIANTS) == sum(len(m.VARIANTS) for m in MODULES.values())  # no name defined twice
    assert set(PAPER) == set(MODULES)
    assert len(published.PUBLISHED) == sum(len(m.PUBLISHED) for m in MODULES.values())
    assert set(key_tables()) == {name for m in MODULES.values() for name in m.KEY_TABLES}
    assert EVERY_FAMILY == tuple(m.FAMILY.representative for m in MODULES.values())
    assert set(REPRESENTATIVES) <= set(EVERY_FAMILY)


@pytest.mark.parametrize("variant", PUBLISHED)
def test_official_figures_are_complete_with_their_source(variant):
    v = VARIANTS[variant]
    assert v.gmacs is not None and len(v.gmacs) == 2 and 0 < v.gmacs[0] < v.gmacs[1]
    assert 0 <= v.unused_params < v.params and bool(v.unused_params) == bool(v.unused_why)
    assert "@" in v.source or v.source.startswith("none")  # official code at a commit, or none exists
    assert v.backbone


@pytest.mark.parametrize("variant", PUBLISHED)
def test_every_variant_with_official_figures_has_a_headline_paper_row(variant):
    rows = published.records([variant], headline_only=True)
    assert rows and all(r.source for r in rows)
    assert arena.resolve(variant).base == variant
