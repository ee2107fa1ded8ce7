"""`arena eval` on a smoke-trained fast_scnn: each mode at its own accuracy, and its refusals."""
import json
import sys

import pytest
import torch

from arena.train.loop import TrainConfig, train
from tests.helpers import one_line_error, run_cli

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = train(TrainConfig(spec="fast_scnn", schedule="smoke", threads=1, iters=2, out=str(out)))
    return result.folder, result.row


def eval_rows(out):
    return [json.loads(line) for line in (out / "eval.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_eager_is_the_training_evaluation_and_onnxruntime_keeps_it(run, tmp_path):
    folder, train_row = run
    out = tmp_path / "r"
    r = run_cli("eval", "fast_scnn", "--weights", folder, "--backend", "onnxruntime", "--threads", "1",
                "--iters", "0", "--out", out)
    assert r.exit_code == 0, r.output
    rows = eval_rows(out)
    assert [(row["protocol"]["backend"], row["protocol"]["dtype"]) for row in rows] == [
        ("eager", "fp32"), ("onnxruntime", "fp32")]
    eager, ort = rows
    # the same weights, images and evaluation code as the training's final validation
    assert eager["metrics"]["miou"] == pytest.approx(train_row["metrics"]["miou"], abs=1e-12)
    assert eager["metrics"]["images"] == 4 and len(eager["metrics"]["per_image_miou"]) == 4
    assert ort["metrics"]["argmax_agreement"] >= 0.999 and abs(ort["metrics"]["delta_miou"]) <= 0.005
    i = ort["metrics"]["delta_interval"]
    assert i["low"] <= i["mean"] <= i["high"] and i["n"] == 4
    assert ort["kind"] == "eval" and ort["protocol"]["source"]["run"] == str(folder)
    assert ort["setting"]["source"] == str(folder) and ort["setting"]["backend"] == "onnxruntime"
    assert ort["setting"]["id"] != eager["setting"]["id"] and ort["protocol"]["onnxruntime"]["intra_op_threads"] == 1
    assert "onnxruntime fp32" in r.stdout and "reference" in r.stdout


@pytest.mark.slow
def test_int8_on_both_engines_with_a_latency_ratio(run, tmp_path):
    pytest.importorskip("openvino")
    folder, _ = run
    out = tmp_path / "r"
    r = run_cli("eval", "fast_scnn", "--weights", folder, "--backend", "onnxruntime", "--backend", "openvino",
                "--dtype", "int8", "--calibration", "2", "--calibration-seed", "4", "--threads", "1",
                "--iters", "3", "--out", out)
    assert r.exit_code == 0, r.output
    rows = eval_rows(out)
    assert [(row["protocol"]["backend"], row["protocol"]["dtype"]) for row in rows] == [
        ("eager", "fp32"), ("onnxruntime", "int8"), ("openvino", "int8")]
    for row in rows[1:]:
        cal = row["protocol"]["quantisation"]["calibration"]
        assert cal["size"] == 2 and cal["seed"] == 4 and row["setting"]["calibration"]["size"] == 2
        lat = row["metrics"]["latency_ratio"]
        assert lat["ci_low"] <= lat["geomean"] <= lat["ci_high"] and 0 <= row["metrics"]["argmax_agreement"] <= 1


def test_weights_of_another_network_or_class_count_are_refused(run, tmp_path):
    folder, _ = run
    out = tmp_path / "r"
    line = one_line_error(run_cli("eval", "sgcpnet", "--weights", folder, "--out", out))
    assert "are fast_scnn's, not sgcpnet's" in line
    state = torch.load(folder / "last.pt", weights_only=True)["model"]
    torch.save(state, tmp_path / "bare.pt")
    line = one_line_error(run_cli("eval", "fast_scnn[classes=5]", "--weights", tmp_path / "bare.pt", "--out", out))
    assert "predict 19 classes, fast_scnn[classes=5] 5" in line and "classes=19" in line
    torch.save({"x": torch.zeros(1)}, tmp_path / "other.pt")
    line = one_line_error(run_cli("eval", "fast_scnn", "--weights", tmp_path / "other.pt", "--out", out))
    assert "do not fit fast_scnn" in line
    line = one_line_error(run_cli("eval", "fast_scnn", "--weights", tmp_path / "nowhere", "--out", out))
    assert "no such file or run folder" in line
    assert not out.exists()


def test_a_weights_file_that_would_run_code_is_refused(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("ran",))

    (tmp_path / "evil.pt").write_bytes(pickle.dumps(Evil(), protocol=2))
    line = one_line_error(run_cli("eval", "fast_scnn", "--weights", tmp_path / "evil.pt", "--out", tmp_path / "r"))
    assert "could run code" in line


@pytest.mark.parametrize("args, message", [
    (["--dtype", "int8"], "--dtype int8 is a quantised exported graph"),
    (["--dtype", "bf16"], "arena eval runs fp32 or int8"),
    (["--backend", "tensorrt"], "unknown backend 'tensorrt'"),
    (["--limit", "0"], "--limit must be an integer >= 1"),
])
def test_bad_modes_are_refused_before_any_work(run, tmp_path, args, message):
    folder, _ = run
    out = tmp_path / "r"
    assert message in one_line_error(run_cli("eval", "fast_scnn", "--weights", folder, "--out", out, *args))
    assert not out.exists()


def test_a_missing_engine_names_its_extra(run, tmp_path, monkeypatch):
    folder, _ = run
    monkeypatch.setitem(sys.modules, "openvino", None)
    out = tmp_path / "r"
    line = one_line_error(run_cli("eval", "fast_scnn", "--weights", folder, "--backend", "openvino", "--out", out))
    assert "arena-seg[openvino]" in line and not out.exists()
