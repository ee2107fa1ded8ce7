"""Pareto fronts on hand-checked points, the setting checks, and the plot's files."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from arena.errors import ArenaError
from arena.networks import VARIANTS
from arena.report import frames, pareto
from tests.report import synth
from tests.helpers import one_line



def names(df) -> list[str]:
    return list(df["name"])


# -- front() on hand-checked sets ------------------------------------------------------------------
POINTS = pd.DataFrame({
    "name": ["A", "B", "C", "D", "E", "F", "G", "H"],
    "x":    [1.0, 2.0, 2.0, 3.0, 4.0, 1.0, 5.0, math.nan],
    "y":    [50., 55., 55., 54., 60., 49., 60., 99.],
})
# A (1, 50) best x; B and C tie at (2, 55): both kept; D (3, 54) dominated by B; E (4, 60) best y;
# F (1, 49) same x as A, lower y: dominated; G (5, 60) same y as E, larger x: dominated; H has no x.


def test_front_min_x_max_y_keeps_ties_and_drops_dominated():
    assert names(pareto.front(POINTS, "x", "y")) == ["A", "B", "C", "E"]


def test_front_of_a_single_point_is_itself():
    single = POINTS.iloc[[3]]
    assert names(pareto.front(single, "x", "y")) == ["D"]


def test_front_of_nothing_is_empty():
    assert pareto.front(POINTS.iloc[[7]], "x", "y").empty


def test_front_maximise_x_for_fps():
    fps = pd.DataFrame({"name": ["a", "b", "c", "d", "e"], "x": [100., 200., 50., 150., 200.],
                        "y": [50., 45., 55., 45., 40.]})
    # d (150, 45) is dominated by b (200, 45); e (200, 40) by b; a, b, c trade off
    assert names(pareto.front(fps, "x", "y", minimise_x=False)) == ["c", "a", "b"]


def test_front_minimise_y_sense():
    # minimise both: A (1, 50) and F (1, 49): F dominates A; the lowest y overall is F
    assert names(pareto.front(POINTS, "x", "y", maximise_y=False)) == ["F"]


def test_front_maximise_both():
    assert names(pareto.front(POINTS, "x", "y", minimise_x=False)) == ["G"]


# -- points from result rows -----------------------------------------------------------------------
HAND_FRONT = ["sgcpnet", "fast_scnn", "fast_scnn[upsampler=gai]"]


@pytest.fixture()
def summary(tmp_path):
    return frames.summary(frames.load_rows(synth.study(tmp_path)))


def test_summary_joins_costs_and_seeds(summary):
    row = summary.set_index("spec").loc["fast_scnn[upsampler=gai]"]
    assert row["device"] == "NVIDIA H200" and row["resolution"] == "512x1024" and row["precision"] == "fp32"
    assert row["params"] == pytest.approx(1.2) and row["gmacs"] == pytest.approx(2.5)
    assert row["latency_ms"] == 6.0 and row["miou"] == pytest.approx(58.0) and row["n_seeds"] == 3
    assert row["miou_std"] == pytest.approx(1.0)
    assert row["miou_ci"] == pytest.approx(4.302652729911275 / math.sqrt(3))  # t(0.975, 2) sd / sqrt(n)
    assert row["hybrid"] and row["base"] == "fast_scnn" and row["base_spec"] == "fast_scnn"


def test_latency_and_fps_fronts_match_the_hand_checked_set(summary):
    for x in ("latency", "fps"):
        found = pareto.fronts(pareto.select(summary, x), x)
        assert sorted(found["spec"]) == sorted(HAND_FRONT), x


def test_mixed_devices_refused_without_allow_mixed(tmp_path):
    folder = synth.study(tmp_path)
    synth.write(folder, [synth.bench("sgcpnet", 5.0, env=synth.GPU2), synth.bench("fanet18", 20.0, env=synth.GPU2)])
    summary = frames.summary(frames.load_rows(folder))
    with pytest.raises(ArenaError) as e:
        pareto.select(summary, "latency")
    message = one_line(e)
    assert "NVIDIA H200" in message and "NVIDIA L4" in message and "--device" in message
    assert "--allow-mixed" in message
    mixed = pareto.select(summary, "latency", allow_mixed=True)
    assert mixed["group_id"].nunique() == 2
    on_l4 = pareto.select(summary, "latency", device="L4")
    assert sorted(on_l4["spec"]) == ["fanet18", "sgcpnet"]
    assert sorted(pareto.fronts(on_l4, "latency")["spec"]) == ["fanet18", "sgcpnet"]
    assert len(pareto.select(summary, "params")) == 5  # parameters do not depend on the device


def test_mixed_schedules_and_resolutions_refused(tmp_path):
    folder = synth.study(tmp_path)
    synth.write(folder, [synth.train("sgcpnet", 0.6, 0, schedule="short"),
                         synth.bench("sgcpnet", 9.0, res=(1024, 2048))])
    summary = frames.summary(frames.load_rows(folder))
    with pytest.raises(ArenaError) as e:
        pareto.select(summary, "latency")
    message = one_line(e)
    assert "--res" in message and "--schedule" in message
    assert len(pareto.select(summary, "latency", res="512x1024", schedule="demo")) == 5
    with pytest.raises(ArenaError) as e:
        pareto.select(summary, "latency", schedule="paper")
    assert "demo, short" in one_line(e)


def test_no_accuracy_rows_says_which_command(tmp_path):
    synth.write(tmp_path, [synth.profile("sgcpnet", VARIANTS["sgcpnet"].params, 0.9), synth.bench("sgcpnet", 2.0)])
    with pytest.raises(ArenaError) as e:
        pareto.select(frames.summary(frames.load_rows(tmp_path)), "latency")
    message = one_line(e)
    assert "arena train" in message and "arena ablate" in message


def test_no_latency_rows_says_which_command(tmp_path):
    synth.write(tmp_path, [synth.profile("sgcpnet", VARIANTS["sgcpnet"].params, 0.9), synth.train("sgcpnet", 0.5, 0)])
    summary = frames.summary(frames.load_rows(tmp_path))
    with pytest.raises(ArenaError) as e:
        pareto.select(summary, "latency")
    assert "arena bench" in one_line(e)
    assert list(pareto.select(summary, "gmacs")["spec"]) == ["sgcpnet"]


def test_empty_or_missing_results_folder(tmp_path):
    with pytest.raises(ArenaError) as e:
        frames.load_rows(tmp_path / "nope")
    assert "does not exist" in one_line(e)
    with pytest.raises(ArenaError) as e:
        frames.load_rows(tmp_path)
    assert "no result rows" in one_line(e)


def test_unknown_axis_is_one_line(summary):
    with pytest.raises(ArenaError) as e:
        pareto.select(summary, "speed")
    assert "latency, fps, gmacs, params" in one_line(e)


# -- the plot --------------------------------------------------------------------------------------
def test_output_folder_not_writable(summary, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    points = pareto.select(summary, "latency")
    for out in (blocker, blocker / "sub"):
        with pytest.raises(ArenaError) as e:
            pareto.plot(points, "latency", out=out, dpi=20)
        assert str(blocker) in one_line(e)


def test_plot_writes_three_formats_and_returns_the_front(summary, tmp_path):
    points = pareto.select(summary, "latency")
    result = pareto.plot(points, "latency", out=tmp_path / "plots", published=True, log_x=True, dpi=30)
    assert [p.suffix for p in result.paths] == [".png", ".pdf", ".svg"]
    assert all(p.exists() and p.stat().st_size > 1000 for p in result.paths)
    assert list(result.front["spec"]) == HAND_FRONT  # sorted by latency
    assert "NVIDIA H200" in result.caption and "512x1024" in result.caption and "fp32" in result.caption
    assert "demo schedule" in result.caption
    svg = result.paths[2].read_text()
    assert "fanet18[upsampler=gai]" in svg and "Titan X" in svg  # labels and the published panel


def test_front_points_not_separated_from_a_neighbour_are_marked(tmp_path):
    """By hand: A (2 ms; 50, 55, 60) and B (4 ms; 58, 54, 59) pair by seed to deltas 8, -1, -1:
    t = 2 / (5.196 / sqrt 3) = 0.67, far from significant, so neither is separated from the other;
    C (8 ms; 70, 71, 72) against B: deltas 12, 17, 13, t = 14 / (2.646 / sqrt 3) = 9.2, p about 0.012."""
    rows = []
    for spec, ms, mious in (("sgcpnet", 2.0, (0.50, 0.55, 0.60)), ("fast_scnn", 4.0, (0.58, 0.54, 0.59)),
                            ("fanet18", 8.0, (0.70, 0.71, 0.72))):
        rows.append(synth.bench(spec, ms))
        rows += [synth.train(spec, m, seed) for seed, m in enumerate(mious)]
    points = pareto.select(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    found = pareto.fronts(points).sort_values("latency_ms")
    assert list(found["spec"]) == ["sgcpnet", "fast_scnn", "fanet18"]
    assert list(found["separated"]) == [False, False, True]


def test_two_seeds_leave_every_front_point_hollow(tmp_path):
    """sgcpnet (2 ms; 50, 52) and fast_scnn (4 ms; 60, 62.5): paired deltas 10, 10.5, a one-degree-of-
    freedom t = 41 (p = 0.016) that today's code filled on; the table gives two seeds no verdict, so the
    plot, on the table's rule, leaves both hollow."""
    rows = []
    for spec, ms, mious in (("sgcpnet", 2.0, (0.50, 0.52)), ("fast_scnn", 4.0, (0.60, 0.625))):
        rows.append(synth.bench(spec, ms))
        rows += [synth.train(spec, m, seed) for seed, m in enumerate(mious)]
    points = pareto.select(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    assert list(pareto.fronts(points)["separated"]) == [False, False]


def test_settings_are_named_by_value_in_the_legend_and_caption(tmp_path):
    """Two settings (120 and 240 iterations): each group is named `iters=120 (id)`, never by its bare
    hash; one setting alone is described in the caption with its iterations, batch and crop."""
    rows = [synth.bench("fast_scnn", 4.0), synth.bench("sgcpnet", 2.0)]
    for iters in (120, 240):
        rows += [synth.train(s, m, seed, iters=iters) for s in ("fast_scnn", "sgcpnet")
                 for seed, m in enumerate((0.5, 0.52, 0.55))]
    summary = frames.summary(frames.load_rows(synth.write(tmp_path, rows)))
    points = pareto.select(summary, allow_mixed=True)
    groups = sorted(set(points["group"]))
    assert len(groups) == 2 and "iters=120 (" in groups[0] and "iters=240 (" in groups[1]
    assert not any("setting=" in g for g in groups)
    one = pareto.select(summary, setting=points["setting"].iloc[0])
    text = pareto.caption(one, "latency")
    assert "iterations of batch 4, crop 128x256" in text


def test_json_front_has_no_nan_token(tmp_path):
    """One seed each: the interval is NaN. Today `arena pareto --json` wrote a bare NaN (not JSON)."""
    import json

    from typer.testing import CliRunner

    from arena.cli import app

    rows = []
    for spec, ms, m in (("sgcpnet", 2.0, 0.50), ("fast_scnn", 4.0, 0.60)):
        rows += [synth.bench(spec, ms), synth.train(spec, m, 0)]
    folder = synth.write(tmp_path / "r", rows)
    r = CliRunner().invoke(app, ["pareto", str(folder), "--json", "--out", str(tmp_path / "plots")])
    assert r.exit_code == 0, r.output
    assert "NaN" not in r.stdout
    front = json.loads(r.stdout)
    assert front[0]["miou_ci"] is None
