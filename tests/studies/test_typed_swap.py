"""A swap has one typed form (`arena.dsl.spec.Swap`) from the study file to the resolved network."""
from __future__ import annotations

import pytest

import arena
from arena.dsl.errors import DSLError
from arena.dsl.spec import BlockChoice, Swap
from arena.studies.plan import expand
from arena.studies.schema import StudyError, from_dict


def test_parse_and_print_are_canonical():
    swap = Swap.parse(" upsampler = gai(iters=1) ")
    assert swap == Swap("upsampler", BlockChoice("gai", None, (("iters", 1),)))
    assert str(swap) == "upsampler=gai(iters=1)"
    assert Swap.parse(str(swap)) == swap
    # kwargs holding lists still hash (dict keys of the plan)
    assert len({Swap.parse("pyramid=ppm(bins=[1,2])"), Swap.parse("pyramid=ppm(bins=[1, 2])")}) == 1


@pytest.mark.parametrize("text", ["classes=11", "upsampler", "=gai"])
def test_what_is_not_a_swap_is_a_dsl_error(text):
    with pytest.raises(DSLError):
        Swap.parse(text)


def test_the_study_holds_swaps_parsed_once_and_the_base_as_none():
    study = from_dict({"study": {"name": "t", "networks": ["fast_scnn"], "swaps": ["upsampler = gai", "base"],
                                 "kinds": ["profile"], "resolutions": ["64x128"]}})
    assert study.swaps == (None, Swap.parse("upsampler=gai"))
    plan = expand(study)
    assert set(plan.specs) == {("fast_scnn", None), ("fast_scnn", Swap.parse("upsampler=gai"))}
    # the resolved network and its row carry the same swap, keyed by its slot
    swapped = arena.resolve("fast_scnn", [Swap.parse("upsampler=gai")])
    assert plan.specs[("fast_scnn", study.swaps[1])] == swapped.canonical
    assert swapped.row_fields()["swaps"] == {"upsampler": "gai"}


def test_a_malformed_swap_is_refused_when_the_study_is_read():
    with pytest.raises(StudyError, match="swaps"):
        from_dict({"study": {"name": "t", "networks": ["fast_scnn"], "swaps": ["classes=11"]}})
