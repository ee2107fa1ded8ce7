"""`arena bench` with repeated protocol options, as a user types it: the cases are their product, timed
interleaved, each row with its full protocol, ratios to the first mode with an interval, the answer
check per case, and a refused combination in one line. Times come from a scripted timer (tiny sizes,
few iterations): nothing here is a benchmark."""
from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from arena.cli import app
from arena.measure import bench
from tests.helpers import one_line_error

TINY = ["--res", "64x128", "--iters", "3", "--threads", "1"]


def run_cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def scripted(monkeypatch):
    """The device timer replaced by fixed times: 2 ms for a folded or reduced-precision case, else 3 ms;
    it records the labels in the order timed."""
    calls: list[str] = []

    class ScriptedTimer:
        def __call__(self, case):
            calls.append(case.label)
            p = case.protocol
            return 2.0 if p.fuse_bn or p.dtype != "fp32" else 3.0

    monkeypatch.setattr(bench, "DeviceTimer", ScriptedTimer)
    return calls


def json_rows(r) -> list[dict]:
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def test_a_flag_both_ways_is_two_cases_per_network_in_the_order_given(tmp_path, scripted):
    rows = json_rows(run_cli("bench", "fast_scnn", "fanet18", "--fuse-bn", "--no-fuse-bn", *TINY, "--out", tmp_path,
                             "--json"))
    assert [(row["spec"], row["protocol"]["fuse_bn"]) for row in rows] == [
        ("fast_scnn", True), ("fast_scnn", False), ("fanet18", True), ("fanet18", False)]
    firsts = [row["metrics"]["reference"] for row in rows]
    assert firsts == ["fast_scnn @ 64x128 [BN folded]"] * 2 + ["fanet18 @ 64x128 [BN folded]"] * 2
    kept = rows[1]["metrics"]["ratio_to_reference"]  # 3 ms over 2 ms every round
    assert (kept["median"], kept["geomean"], kept["ci_low"], kept["ci_high"], kept["n"]) == \
        (1.5, pytest.approx(1.5), pytest.approx(1.5), pytest.approx(1.5), 3)
    folded = rows[0]["metrics"]
    assert folded["accuracy"]["flagged"] is False and folded["accuracy"]["argmax_agreement"] == 1.0
    assert folded["setup"]["folded_bn"] > 0 and rows[1]["metrics"]["accuracy"] is None  # fp32 eager itself
    assert all(row["protocol"]["order_seed"] == 0 for row in rows)
    assert len((tmp_path / "bench.jsonl").read_text().splitlines()) == 4
    other_way = json_rows(run_cli("bench", "fast_scnn", "--no-fuse-bn", "--fuse-bn", *TINY, "--no-save", "--json"))
    assert [row["protocol"]["fuse_bn"] for row in other_way] == [False, True]


def test_dtypes_side_by_side_show_the_reference_the_interval_and_each_answer_check(scripted):
    r = run_cli("bench", "fast_scnn", "--dtype", "fp32", "--dtype", "bf16", "--autocast", *TINY, "--no-save")
    assert r.exit_code == 0, r.output
    fp32, bf16 = [line for line in r.stdout.splitlines() if "fast_scnn" in line and "64x128" in line]
    assert "ratio to fp32 [95 % CI]" in r.stdout  # the column names its reference
    assert "reference" in fp32 and "is fp32 eager" in fp32
    assert "bf16 autocast" in bf16 and "x0.67 [0.67, 0.67]" in bf16 and " 0.67 " in bf16  # 2 ms over 3 ms
    assert "argmax" in bf16 and "order seed 0" in r.stdout


def test_one_mode_keeps_its_rows_and_labels(scripted):
    rows = json_rows(run_cli("bench", "fast_scnn", "--fuse-bn", *TINY, "--no-save", "--json"))
    assert len(rows) == 1 and rows[0]["protocol"]["fuse_bn"] is True
    assert rows[0]["metrics"]["reference"] == "fast_scnn @ 64x128"


def test_the_order_seed_is_recorded_and_reproduces_the_order(scripted):
    args = ["bench", "fast_scnn", "--fuse-bn", "--no-fuse-bn", "--res", "64x128", "--iters", "6", "--threads", "1",
            "--no-save", "--json", "--order-seed", "7"]
    rows = json_rows(run_cli(*args))
    first_run = list(scripted)
    scripted.clear()
    again = json_rows(run_cli(*args))
    assert scripted == first_run and rows[0]["protocol"]["order_seed"] == 7
    assert rows[0]["metrics"]["round_positions"] == again[0]["metrics"]["round_positions"]
    assert len(set(rows[0]["metrics"]["round_positions"])) == 2  # not always timed in the same place


@pytest.mark.parametrize("args, message", [
    (["--dtype", "fp32", "--dtype", "tf32"], "the combination --dtype tf32 cannot run: --dtype tf32 is a CUDA"),
    (["--no-cuda-graphs", "--cuda-graphs"],
     "the combination --cuda-graphs cannot run: --cuda-graphs needs --device cuda"),
    (["--backend", "eager", "--backend", "onnxruntime", "--dtype", "fp32", "--dtype", "bf16"],
     "the combination --backend onnxruntime"),
    (["--order-seed", "-1"], "--order-seed must be an integer >= 0, got -1"),
])
def test_a_combination_that_cannot_run_is_refused_up_front(tmp_path, args, message):
    if torch.cuda.is_available() and ("tf32" in args or "--cuda-graphs" in args):
        pytest.skip("a GPU is present")
    out = tmp_path / "results"
    line = one_line_error(run_cli("bench", "fast_scnn", "--out", out, *args))
    assert message in line, line
    assert not out.exists()


@pytest.mark.slow
def test_eager_and_onnxruntime_of_two_networks(tmp_path):
    pytest.importorskip("onnxruntime")
    r = run_cli("bench", "fast_scnn", "sgcpnet", "--backend", "eager", "--backend", "onnxruntime", "--res", "128x256",
                "--iters", "3", "--threads", "1", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    assert "ratio to eager of the same network and res [95 % CI]" in r.stdout
    rows = [json.loads(line) for line in (tmp_path / "bench.jsonl").read_text().splitlines()]
    assert [(row["spec"], row["protocol"]["backend"]) for row in rows] == [
        ("fast_scnn", "eager"), ("fast_scnn", "onnxruntime"), ("sgcpnet", "eager"), ("sgcpnet", "onnxruntime")]
    for row in rows[1::2]:
        ratio = row["metrics"]["ratio_to_reference"]
        assert row["metrics"]["reference"].endswith("[eager]") and ratio["ci_low"] <= ratio["geomean"] <= ratio["ci_high"]
        assert row["metrics"]["accuracy"]["flagged"] is False
