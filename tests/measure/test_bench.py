"""arena bench on CPU at tiny sizes: the protocol in every row, interleaving, warm-up, ratios,
accuracy flags, and each bad input as one line. Timings themselves are benchmarks, never asserted."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from arena.cli import app
from arena.measure import bench
from arena.measure.bench import Case, PreparedCase, Protocol
from tests.helpers import one_line_error

TINY = dict(iters=3, warmup_min=1, warmup_max=2, warmup_window=1)
RES = (64, 128)


def run_cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])



def test_row_holds_every_protocol_field(tmp_path):
    p = Protocol(threads=1, **TINY)
    (result,) = bench.bench([Case("fast_scnn", RES, p)])
    row = bench.to_row(result, environment_={"cpu": "test"})
    fields = {f.name for f in dataclasses.fields(Protocol)}
    assert fields <= set(row["protocol"])
    for key in ("res", "timed_region", "host_device_copies", "warmup_rule", "statistic", "cast", "iters", "threads"):
        assert row["protocol"][key] is not None, key
    assert row["protocol"]["threads"] == 1 and row["protocol"]["iters"] == 3
    m = row["metrics"]
    for key in ("median_ms", "p10_ms", "p90_ms", "fps", "ratio_to_reference", "setup", "peak_memory_bytes"):
        assert key in m, key
    assert m["p10_ms"] <= m["median_ms"] <= m["p90_ms"]
    assert m["fps"] == pytest.approx(1000 / m["median_ms"])
    assert m["setup"]["warmup"]["iterations"] >= 1 and len(m["times_ms"]) == 3
    assert row["kind"] == "bench" and row["spec"] == "fast_scnn" and row["network"] == "fast_scnn"
    assert m["accuracy"] is None  # fp32 eager is the reference itself


class RecordingTimer:
    """An injected timer: remembers the order of calls and returns set times per case."""

    def __init__(self, times: dict[str, list[float]]):
        self.calls: list[str] = []
        self.times = {k: list(v) for k, v in times.items()}

    def __call__(self, case: PreparedCase) -> float:
        self.calls.append(case.label)
        return self.times[case.label].pop(0) if self.times[case.label] else 1.0


def fake_case(label: str, **protocol) -> PreparedCase:
    case = Case(label, RES, Protocol(**{**TINY, **protocol}), label=label)
    return PreparedCase(case, label, net=None, model=None, run=lambda: None, x=None)


def test_cases_are_timed_interleaved():
    a, b = fake_case("A", warmup_max=1, warmup_min=1), fake_case("B", warmup_max=1, warmup_min=1)
    timer = RecordingTimer({"A": [], "B": []})
    *_, orders = bench.interleaved([a, b], timer, iters=3)
    assert timer.calls[:2] == ["A", "B"]  # warm-up of each, in the order given
    rounds = [timer.calls[2 + 2 * r: 4 + 2 * r] for r in range(3)]
    assert all(sorted(r) == ["A", "B"] for r in rounds) and len(timer.calls) == 8  # then one of each per round
    assert rounds == [["AB"[k] for k in order] for order in orders]


def test_warm_up_stops_when_the_window_settles_and_at_the_ceiling():
    settles = fake_case("S", warmup_min=2, warmup_max=20, warmup_window=3, warmup_spread=0.05)
    timer = RecordingTimer({"S": [9.0, 5.0, 2.0, 1.0, 1.01, 1.0, 1.0]})
    info = bench.warm_up(settles, timer)
    assert info == {"iterations": 6, "settled": True, "last_window_spread": pytest.approx(0.01 / 1.0)}
    noisy = fake_case("N", warmup_min=2, warmup_max=4, warmup_window=2, warmup_spread=0.01)
    info = bench.warm_up(noisy, RecordingTimer({"N": [1.0, 2.0, 1.0, 2.0, 1.0]}))
    assert info["iterations"] == 4 and not info["settled"]


def test_ratio_to_reference_is_per_round():
    ratios = bench.ratio_to_reference([[10.0, 10.0, 20.0], [20.0, 30.0, 20.0]])
    assert {k: ratios[0][k] for k in ("median", "p10", "p90", "geomean", "ci_low", "ci_high")} == \
        {"median": 1.0, "p10": 1.0, "p90": 1.0, "geomean": 1.0, "ci_low": 1.0, "ci_high": 1.0}
    # per-round ratios 2.0, 3.0, 1.0: median 2, p10 = 1 + 0.2 * (2 - 1), p90 = 2 + 0.8 * (3 - 2)
    assert {k: ratios[1][k] for k in ("median", "p10", "p90")} == {"median": 2.0, "p10": pytest.approx(1.2),
                                                                  "p90": pytest.approx(2.8)}
    # geometric mean (2 * 3 * 1) ** (1/3); the interval is tests/test_log_ratio_interval.py's
    assert ratios[1]["geomean"] == pytest.approx(6 ** (1 / 3)) and ratios[1]["n"] == 3
    assert ratios[1]["ci_low"] < ratios[1]["geomean"] < ratios[1]["ci_high"]


def test_summary_statistics_by_hand():
    s = bench.summarise([4.0, 1.0, 3.0, 2.0, 5.0], batch=2)
    assert s["median_ms"] == 3.0 and s["p10_ms"] == pytest.approx(1.4) and s["p90_ms"] == pytest.approx(4.6)
    assert s["fps"] == pytest.approx(2 * 1000 / 3.0) and s["min_ms"] == 1.0 and s["max_ms"] == 5.0


def test_a_mode_that_changes_the_answer_is_flagged():
    import arena

    p = Protocol(fuse_bn=True, **TINY)
    case = bench.prepare(Case("fanet18", RES, p))
    ok = bench.accuracy(case)
    assert ok["flagged"] is False and ok["rel_diff"] < 1e-5 and ok["argmax_agreement"] == 1.0
    good = case.run
    bad = bench.accuracy(dataclasses.replace(case, run=lambda: good() * -1.0))  # a "fast mode" that flips every logit
    assert bad["flagged"] is True and bad["argmax_agreement"] < 0.5
    assert arena.build("fanet18").canonical == case.net.canonical


def test_excluding_the_resize_times_native_logits():
    p = Protocol(include_resize=False, **TINY)
    case = bench.prepare(Case("fast_scnn", RES, p))
    out = case.run()
    assert out.shape[-2:] == (RES[0] // 8, RES[1] // 8)  # fast_scnn's logits are at stride 8
    argmax = bench.prepare(Case("fast_scnn", RES, Protocol(include_argmax=True, **TINY))).run()
    assert argmax.shape == (1, *RES) and argmax.dtype == torch.int64


@pytest.mark.parametrize("args, message", [
    (["--device", "cuda"], "torch.cuda.is_available() is False"),
    (["--dtype", "tf32"], "tf32 is a CUDA tensor-core math mode"),
    (["--dtype", "fp64"], "unknown dtype 'fp64'"),
    (["--batch", "0"], "--batch must be an integer >= 1, got 0"),
    (["--iters", "0"], "--iters must be an integer >= 1, got 0"),
    (["--threads", "0"], "--threads must be an integer >= 1, got 0"),
    (["--cuda-graphs"], "--cuda-graphs needs --device cuda"),
    (["--compile", "fastest"], "unknown compile mode 'fastest'"),
])
def test_bad_inputs_are_one_line_and_write_nothing(tmp_path, args, message):
    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    out = tmp_path / "results"
    line = one_line_error(run_cli("bench", "fast_scnn", "--out", out, *args))
    assert message in line, line
    assert not out.exists()


def test_any_size_runs_unless_a_block_cannot(tmp_path):
    """No divisibility rule: 100x200 is no multiple of fast_scnn's stride 32 and runs, as the official
    code does; a block that truly needs a multiple (space_to_depth without padding) is refused up front."""
    r = run_cli("bench", "fast_scnn", "--res", "100x200", "--iters", "2", "--threads", "1", "--no-save", "--json")
    assert r.exit_code == 0, r.output
    out = tmp_path / "results"
    line = one_line_error(run_cli("bench", "fast_scnn[downsampler=space_to_depth(pad=False)]", "--res", "100x202",
                                  "--out", out))
    assert "node x8 (downsampler.space_to_depth)" in line and "multiples of 2" not in line and "e.g. 96x200" in line
    assert not out.exists()


def test_compile_without_a_compiler_says_so(monkeypatch, tmp_path):
    monkeypatch.delenv("CXX", raising=False)
    from arena.measure import protocol
    monkeypatch.setattr(protocol.shutil, "which", lambda name: None)
    line = one_line_error(run_cli("bench", "fast_scnn", "--compile", "default", "--out", tmp_path / "r"))
    assert "needs a C++ compiler" in line and "--compile none (eager)" in line


def test_onnxruntime_backend_without_the_extra_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    line = one_line_error(run_cli("bench", "fast_scnn", "--backend", "onnxruntime", "--out", tmp_path / "r"))
    assert "pip install 'arena-seg[onnx]'" in line


def test_cli_bench_appends_rows_and_prints_json(tmp_path):
    r = run_cli("bench", "fast_scnn", "fanet18", "--res", "64x128", "--iters", "2", "--threads", "1",
                "--out", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert [row["spec"] for row in rows] == ["fast_scnn", "fanet18"]
    # a ratio is between modes of one network: with one mode each network is its own reference (today's
    # code divided fanet18's times by fast_scnn's and called it `ratio_to_first`)
    assert [row["metrics"]["reference"] for row in rows] == ["fast_scnn @ 64x128", "fanet18 @ 64x128"]
    assert all(row["metrics"]["ratio_to_reference"]["median"] == 1.0 for row in rows)
    saved = (tmp_path / "bench.jsonl").read_text().splitlines()
    assert len(saved) == 2 and json.loads(saved[1])["protocol"]["threads"] == 1


def test_by_node_reports_times_macs_and_roofline_bounds():
    from arena.measure import roofline
    from arena.measure.profile import profile

    peaks = {"flops": 1e11, "bandwidth": 1e10, "source": "test"}
    (result,) = bench.bench([Case("fast_scnn", RES, Protocol(threads=1, **TINY))], by_node=True, peaks=peaks,
                            node_iters=2)
    d = result["metrics"]["by_node"]
    macs = {n["node"]: n["macs"] for n in profile("fast_scnn", RES)["nodes"] if n["macs"] is not None}
    assert [r["node"] for r in d["nodes"]] == list(macs)  # every inference node, then the wrapper's resize
    for r in d["nodes"]:
        assert r["ms"] > 0 and r["macs"] == macs[r["node"]] and r["bytes"] > 0
        assert r["bound_ms"] == pytest.approx(roofline.roofline(r["macs"], r["bytes"], peaks)["ms"])
        assert r["efficiency"] == pytest.approx(r["bound_ms"] / r["ms"])
    assert d["sum_of_nodes_ms"] == pytest.approx(sum(r["ms"] for r in d["nodes"]))
    assert d["end_to_end_ms"] == result["metrics"]["median_ms"]
    assert d["gap_ms"] == pytest.approx(d["end_to_end_ms"] - d["sum_of_nodes_ms"])
    assert sum(r["share"] for r in d["nodes"]) == pytest.approx(1.0)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_events_cuda_graphs_and_fp16():
    cases = [Case("fast_scnn", (256, 512), Protocol(device="cuda", iters=10)),
             Case("fast_scnn", (256, 512), Protocol(device="cuda", iters=10, dtype="fp16", channels_last=True,
                                                    fuse_bn=True, cuda_graphs=True))]
    eager, graphs = bench.bench(cases)
    assert eager["metrics"]["peak_memory_bytes"] > 0 and graphs["metrics"]["setup"]["capture_s"] > 0
    assert graphs["metrics"]["accuracy"]["flagged"] is False


@pytest.mark.slow
def test_onnxruntime_backend_and_export_through_the_cli(tmp_path):
    pytest.importorskip("onnxruntime")
    r = run_cli("bench", "fast_scnn", "--res", "64x128", "--iters", "2", "--threads", "1", "--backend",
                "onnxruntime", "--no-save", "--json")
    assert r.exit_code == 0, r.output
    (row,) = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert row["protocol"]["backend"] == "onnxruntime" and row["protocol"]["onnxruntime"]["intra_op_threads"] == 1
    assert row["metrics"]["accuracy"]["flagged"] is False
    path = tmp_path / "fs.onnx"
    r = run_cli("export", "fast_scnn", "--onnx", path, "--res", "64x128", "--fuse-bn", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["ok"] and report["folded_bn"] > 0 and path.stat().st_size == report["bytes"]


def test_export_bad_inputs_write_nothing(tmp_path):
    line = one_line_error(run_cli("export", "fast_scnn", "--onnx", tmp_path / "missing" / "x.onnx"))
    assert "does not exist" in line and not (tmp_path / "missing").exists()
    line = one_line_error(run_cli("export", "fast_scnn[downsampler=space_to_depth(pad=False)]", "--onnx",
                                  tmp_path / "x.onnx", "--res", "100x100"))
    assert "multiples of 8 on both sides" in line and not (tmp_path / "x.onnx").exists()


def test_swap_applies_to_bench_and_export(tmp_path):
    """`--swap` means the same in bench and export as in profile and train: the swapped network's row."""
    r = run_cli("bench", "fast_scnn", "--swap", "upsampler=nearest", "--res", "64x128", "--iters", "2",
                "--threads", "1", "--no-save", "--json")
    assert r.exit_code == 0, r.output
    (row,) = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert row["spec"] == "fast_scnn[upsampler=nearest]" and row["swaps"] == {"upsampler": "nearest"}
    line = one_line_error(run_cli("bench", "fast_scnn", "--swap", "upsampler=no_such_block", "--no-save"))
    assert "no_such_block" in line


@pytest.mark.slow
def test_export_with_a_swap(tmp_path):
    pytest.importorskip("onnxruntime")
    path = tmp_path / "fs.onnx"
    r = run_cli("export", "fast_scnn", "--swap", "upsampler=nearest", "--onnx", path, "--res", "64x128", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["spec"] == "fast_scnn[upsampler=nearest]"


@pytest.mark.slow  # a real export: 14 s
def test_the_onnx_case_leaves_no_folder_behind(monkeypatch, tmp_path):
    """The bench's temporary .onnx lives only until its session is open, also when opening fails."""
    pytest.importorskip("onnxruntime")
    import tempfile

    import arena
    from arena.measure import prepare

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # mkdtemp's default folder
    case = Case("fast_scnn", (64, 128), Protocol(threads=1, iters=2, backend="onnxruntime"))
    model, x = arena.build("fast_scnn").eval(), torch.zeros(1, 3, 64, 128)
    opened = []

    class Session:  # stands for OrtModel: the file must be there while the session is made
        protocol = {"intra_op_threads": 1}

        def __init__(self, path, **_options):
            opened.append(Path(path).is_file())

        def __call__(self, x):
            return x

    monkeypatch.setattr("arena.measure.onnx_backend.OrtModel", Session)
    prepare._engine_runner(model, x, case)
    assert opened == [True] and list(tmp_path.glob("arena-onnx-*")) == []   # (torch may leave its own caches)

    def refused(*_args, **_kwargs):
        raise RuntimeError("the session could not be made")

    monkeypatch.setattr("arena.measure.onnx_backend.OrtModel", refused)
    with pytest.raises(RuntimeError, match="could not be made"):
        prepare._engine_runner(model, x, case)
    assert list(tmp_path.glob("arena-onnx-*")) == []
