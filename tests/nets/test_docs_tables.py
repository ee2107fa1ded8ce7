"""README's and docs/networks.md's network tables are generated from the family modules: committed as generated."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import arena
from arena.families import docs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", list(docs.REGIONS))
def test_committed_tables_are_the_generated_ones(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert docs.generated(path, text) == text, f"{path} is stale: run `python docs/tables.py --write`"


def test_readme_lists_every_shipped_variant():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    begin, end = docs.BEGIN.format(name="networks"), docs.END.format(name="networks")
    region = text[text.index(begin):text.index(end)]
    listed = {name for row in region.splitlines()[3:] for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert listed == set(arena.list_nets())


def test_only_the_region_is_replaced_and_a_missing_marker_is_named():
    begin, end = docs.BEGIN.format(name="t"), docs.END.format(name="t")
    text = f"before\n{begin}\nold\nrows\n{end}\nafter\n"
    assert docs.replace_region(text, "t", "new") == f"before\n{begin}\nnew\n{end}\nafter\n"
    with pytest.raises(ValueError, match="exactly one"):
        docs.replace_region("no markers here\n", "t", "new")
