"""Every published variant against its official figures (DESIGN.md §4), both resolutions.

MACs here are the primary counter on meta tensors, so 1024x2048 costs nothing; the primary counter
itself is held to fvcore in tests/measure/test_profile.py. The figures live in the family modules
(arena/families/<family>.py, gathered by arena.networks), copied from the specs (measured on the
official code).
"""
import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.measure.verify import compare
from arena.networks import PUBLISHED, VARIANTS
from tests.helpers import representatives_quick


@pytest.mark.parametrize("variant", representatives_quick(PUBLISHED))
def test_variant_matches_its_spec(variant):
    (row,) = compare([variant])
    assert row["params"] == pytest.approx(row["params_expected"], rel=0.005)
    for ours, official in zip(row["gmacs"], row["gmacs_official"]):
        assert ours == pytest.approx(official, rel=0.02)
    assert row["params_ok"] and row["macs_ok"] and row["ok"]


def test_fanet_params_equal_spec_without_the_unused_layers():
    """specs/fanet.md: the official count (arena/families/fanet.py) holds two never-called layers (149,824
    parameters): 13.67 M without."""
    (row,) = compare(["fanet18"])
    official = VARIANTS["fanet18"].params
    assert row["params"] == official - 149_824
    assert row["params_official"] == official and row["params_expected"] == official - 149_824


def test_a_note_cannot_waive_the_parameter_check(monkeypatch):
    """The expected figure is checked as strictly as any other: an off-by-much count fails verify."""
    import dataclasses

    import arena.measure.verify as verify

    bad = dataclasses.replace(VARIANTS["fanet18"], unused_params=1_000_000)
    monkeypatch.setitem(verify.VARIANTS, "fanet18", bad)
    (row,) = compare(["fanet18"])
    assert row["note"] and not row["params_ok"] and not row["ok"]


def test_verify_rejects_unknown_variant_in_one_line():
    r = CliRunner().invoke(app, ["verify", "fanet19"])
    assert r.exit_code == 2
    assert r.output.strip().startswith("error: no official figures for fanet19: choose from fanet18")
