"""Every published variant against its spec's official figures (DESIGN.md §4), both resolutions.

MACs here are the primary counter on meta tensors, so 1024x2048 costs nothing; the primary counter
itself is held to fvcore in tests/test_profile.py. The figures live in arena/published.py, copied
from ../shared/specs (measured on the official code).
"""
import pytest
from typer.testing import CliRunner

from arena.cli import app
from arena.published import SPEC_FIGURES, compare


@pytest.mark.parametrize("variant", list(SPEC_FIGURES))
def test_variant_matches_its_spec(variant):
    (row,) = compare([variant])
    if not row["note"]:
        assert row["params"] == pytest.approx(row["params_spec"], rel=0.005)
    for res in ("half", "full"):
        assert row[f"gmacs_{res}"] == pytest.approx(row[f"gmacs_{res}_spec"], rel=0.02), res
    assert row["params_ok"] and row["macs_ok"]


def test_fanet_params_equal_spec_without_the_unused_layers():
    """specs/fanet.md: 13,820,032 with the two never-called layers (149,824 parameters), 13.67 M without."""
    (row,) = compare(["fanet18"])
    assert row["params"] == 13_820_032 - 149_824


def test_verify_rejects_unknown_variant_in_one_line():
    r = CliRunner().invoke(app, ["verify", "fanet19"])
    assert r.exit_code == 2
    assert r.output.strip().startswith("error: no official figures for fanet19: choose from fanet18")
