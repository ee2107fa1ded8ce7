"""Canonical names: sorted, defaults dropped, and they round-trip through the parser."""
import pytest

import arena
from arena.api import resolve
from arena.dsl import DSLError, format_spec, parse_spec
from arena.dsl.spec import BlockChoice


def test_canonical_sorts_and_drops_defaults():
    assert resolve("fast_scnn[classes=19]").canonical == "fast_scnn"
    assert resolve("fast_scnn[upsampler=nearest,classes=11]").canonical == "fast_scnn[classes=11,upsampler=nearest]"
    assert resolve("fast_scnn_camvid[classes=11]").canonical == "fast_scnn_camvid"


@pytest.mark.parametrize("spec", ["fanet18[upsampler=gai]", "fast_scnn[classes=11,upsampler=gai(iters=1)]",
                                  "s2fpn18[attention.ssam=se,upsampler=bilinear(align_corners=True)]",
                                  "fast_scnn[pyramid=ppm(bins=[1,3])]"])
def test_canonical_round_trips(spec):
    canonical = resolve(spec).canonical
    assert canonical == spec
    base, items = parse_spec(canonical)
    assert format_spec(base, items) == canonical
    assert resolve(canonical).canonical == canonical


def test_python_overrides_equal_spec_items():
    assert arena.build("fast_scnn", upsampler="nearest", classes=11).canonical == \
        "fast_scnn[classes=11,upsampler=nearest]"


def test_parse_spec_values():
    base, items = parse_spec("net[upsampler=gai(iters=1),attention.fast=se,classes=11,bins=[1,2],act='leaky relu']")
    assert base == "net"
    assert items == {"upsampler": BlockChoice("gai", None, (("iters", 1),)), "attention.fast": BlockChoice("se"),
                     "classes": 11, "bins": [1, 2], "act": "leaky relu"}


@pytest.mark.parametrize("bad, msg", [("fast_scnn[classes]", "bad item"), ("[x=1]", "names no network"),
                                      ("fast_scnn[a=1,a=2]", "given twice"), ("fast_scnn[x=(]", "cannot read value"),
                                      ("fast_scnn[classes=gai(iters=1)]", "parameter of fast_scnn, not a slot"),
                                      ("fast_scnn[upsampler=3]", "a swap needs a block name")])
def test_bad_specs(bad, msg):
    with pytest.raises(DSLError, match=msg):
        resolve(bad)


def test_swap_keeps_interface_kwargs_and_reports_dropped():
    net = arena.build("fast_scnn[downsampler=space_to_depth]")
    node = net.node("x8")
    assert node.block == "space_to_depth" and node.kwargs["factor"] == 8 and node.kwargs["out"] == 64
    assert [n.dropped for n in net.swap_notes] == [("widths",)]
    assert "dropped widths" in str(net.swap_notes[0])


def test_swap_by_node_and_block_name():
    assert arena.build("fast_scnn[up=nearest]").node("up").block == "nearest"
    assert arena.build("fast_scnn[bilinear=nearest]").node("up").block == "nearest"
    assert arena.build("fast_scnn[upsampler.bilinear=nearest]").node("up").block == "nearest"


def test_swap_carries_replacement_kwargs():
    net = arena.build("fast_scnn[pyramid=ppm(bins=[1,3])]")
    assert net.node("ctx").kwargs == {"out": 128, "bins": [1, 3]}
    assert len(net.nodes["ctx"].branches) == 2


def test_swap_reaches_block_valued_arguments():
    net = arena.build("s2fpn18[attention=se]")
    notes = [str(n) for n in net.swap_notes]
    assert any("attention.ssam -> attention.se" in n for n in notes), notes
    assert any("attention.crb -> attention.se" in n for n in notes), notes


def test_unknown_replacement_kwarg():
    with pytest.raises(DSLError, match="upsampler.gai has no keyword 'iter'"):
        resolve("fast_scnn") and arena.build("fast_scnn[upsampler=gai(iter=1)]")


def test_overrides_and_swaps_do_not_leak_between_builds():
    """Shipped files are parsed once per process: a build must never change what the next one sees."""
    assert arena.build("fast_scnn[classes=5,upsampler=nearest]").classes == 5
    net = arena.build("fast_scnn")
    assert net.classes == 19 and net.node("up").block == "bilinear" and not net.swap_notes
