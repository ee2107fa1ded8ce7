"""The papers' own figures: every published variant present, every number with a source, no guesses."""
from __future__ import annotations

from arena.networks import PUBLISHED
from arena.report import published


def test_every_published_row_is_of_a_variant_with_official_figures():
    """Rows of every family (the headline rows per variant: tests/nets/test_families.py)."""
    assert {r.variant for r in published.PUBLISHED} == set(PUBLISHED)


def test_units_are_stated_and_values_sane():
    for r in published.PUBLISHED:
        assert (r.cost is None) == (r.cost_unit is None) and r.cost_unit in (None, "GFLOPs", "GMACs")
        assert r.miou is None or 0 < r.miou < 100
        assert r.fps is None or r.fps > 0
        assert r.dataset in ("cityscapes", "camvid") and r.split in (None, "test", "val")


def test_pinned_figures():
    fanet = published.records(["fanet18"], headline_only=True)[0]
    assert (fanet.miou, fanet.fps, fanet.gpu, fanet.resolution, fanet.split) == (74.4, 72.0, "Titan X", "1024x2048",
                                                                                 "test")
    assert fanet.params_m is None and fanet.cost is None  # the paper's columns are unknown
    assert "split: test by the abstract's context" in fanet.note  # hedged as FANet-34's
    sgcp = published.records(["sgcpnet"], headline_only=True)[0]
    assert (sgcp.params_m, sgcp.fps, sgcp.resolution) == (0.61, 178.5, "768x1536")
    scnn = published.records(["fast_scnn"], headline_only=True)[0]
    assert (scnn.params_m, scnn.cost, scnn.framework) == (1.11, None, "TensorFlow")
    assert scnn.latency_ms == 1000 / 123.5
    stdc = published.records(["stdc2_seg"], dataset="cityscapes", headline_only=True)[0]
    assert (stdc.miou, stdc.fps, stdc.resolution, stdc.split) == (76.8, 97.0, "768x1536", "test")  # the abstract
    bise = published.records(["bisenetv2"], dataset="cityscapes", headline_only=True)[0]
    assert (bise.miou, bise.fps, bise.cost, bise.cost_unit, bise.gmacs) == (72.6, 156.0, 21.15, "GFLOPs", None)


def test_pinned_figures_of_the_newer_baselines():
    """specs/ddrnet.md §6 and specs/pidnet.md §6 (abstracts and official READMEs)."""
    ddr = published.records(["ddrnet23_slim"], headline_only=True)
    assert [(r.dataset, r.miou, r.fps) for r in ddr] == [("cityscapes", 77.4, 102.0), ("camvid", 74.7, 230.0)]
    assert (ddr[0].params_m, ddr[0].cost, ddr[0].cost_unit, ddr[0].gpu) == (5.7, 36.3, "GFLOPs", "RTX 2080Ti")
    pid = published.records(["pidnet_s"], headline_only=True)
    assert [(r.dataset, r.miou, r.fps) for r in pid] == [("cityscapes", 78.6, 93.2), ("camvid", 80.1, 153.7)]
    assert "unverified" in pid[0].note and "n = 4" in published.records(["pidnet_m"], headline_only=True)[0].note


def test_frame_columns_and_filters():
    df = published.frame(dataset="camvid")
    from arena import families

    camvid = {p.variant for m in families.modules().values() for p in m.PUBLISHED if p.dataset == "camvid"}
    assert set(df["variant"]) == camvid and {"s2fpn18", "pidnet_s", "bisenetv2"} <= camvid  # the filter keeps all
    assert len(df) == sum(p.dataset == "camvid" for m in families.modules().values() for p in m.PUBLISHED)
    assert list(df.columns) == list(published.FIELDS)
    assert published.backbone("fanet34") == "ResNet-34" and published.backbone("mine.arena") is None
