"""OpenVINO and static int8 on a tiny conv net (fast to export), and their refusals."""
import json
import sys

import numpy as np
import pytest
import torch

from arena.errors import ArenaError
from arena.measure import onnx_backend as ob
from tests.data.conftest import camvid_tree
from tests.helpers import one_line_error, run_cli

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")
ov = pytest.importorskip("openvino")

from arena.measure import openvino_backend as ovb  # noqa: E402
from arena.measure import quantize as q  # noqa: E402

RES = (16, 32)


class Tiny(torch.nn.Module):
    """conv-BN-ReLU-conv: what the quantiser meets in every network, small enough to export in a second."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8),
                                        torch.nn.ReLU(), torch.nn.Conv2d(8, 5, 1))

    def forward(self, x):
        return self.body(x)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    net = Tiny().eval()
    with torch.no_grad():  # a BN that does something, so folding it is visible
        net.body[1].running_mean.uniform_(-0.5, 0.5)
        net.body[1].running_var.uniform_(0.5, 2.0)
    folder = tmp_path_factory.mktemp("ov")
    path = folder / "tiny.onnx"
    ob.export_onnx(net, path, res=RES, check=False)
    return net, path, folder


def test_openvino_equals_eager_and_records_its_settings(exported):
    net, path, _ = exported
    model = ovb.OvModel(path, threads=1)
    p = model.protocol
    assert p["backend"] == "openvino" and p["plugin"] == "CPU" and p["openvino"] == ov.__version__
    assert p["inference_num_threads"] == 1 and p["num_streams"] == "1" and p["performance_hint"] == "LATENCY"
    assert p["inference_precision"] == "f32" and p["device_name"]
    x = torch.randn(1, 3, *RES)
    with torch.inference_mode():
        want = net(x)
    got = model(x).clone()
    assert got.shape == want.shape
    assert (got - want).abs().max().item() <= ob.RTOL * want.abs().max().item()
    with pytest.raises(ArenaError, match="float32"):
        model(x.double())
    with pytest.raises(ArenaError, match="--device cpu"):
        ovb.OvModel(path, device="cuda")


def test_openvino_failure_names_the_node(tmp_path):
    import onnx
    from onnx import helper

    node = helper.make_node("Frobnicate", ["image"], ["logits"], name="head/frob_7")
    io = [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [1, 3, 8, 8]) for n in ("image", "logits")]
    onnx.save(helper.make_model(helper.make_graph([node], "g", io[:1], io[1:]),
                                opset_imports=[helper.make_opsetid("", 20)]), tmp_path / "bad.onnx")
    with pytest.raises(ArenaError) as e:
        ovb.OvModel(tmp_path / "bad.onnx")
    assert "at node head/frob_7" in str(e.value) and "Frobnicate" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ArenaError, match="int8 quantiser failed"):
        q.quantize(tmp_path / "bad.onnx", tmp_path / "bad.int8.onnx", torch.zeros(1, 3, 8, 8))


def test_int8_graph_is_per_channel_qdq_and_both_engines_run_it(exported):
    import onnx
    from onnx import numpy_helper

    net, path, folder = exported
    images, record = q.calibration_set(3, 5, RES)
    assert len(images) == 3 and images[2].shape == (3, *RES) and record["size"] == 3 and record["seed"] == 5
    info = q.quantize(path, folder / "tiny.int8.onnx", images)
    assert info["format"] == "QDQ" and info["method"] == "MinMax" and "per channel" in info["weights"]
    graph = onnx.load(str(folder / "tiny.int8.onnx")).graph
    ops = [n.op_type for n in graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops and "BatchNormalization" not in ops  # folded
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    weight_scales = sorted(inits[n.input[1]].size for n in graph.node
                           if n.op_type == "DequantizeLinear" and inits.get(n.input[0]) is not None
                           and inits[n.input[0]].dtype == np.int8 and inits[n.input[0]].ndim == 4)
    assert weight_scales == [5, 8]  # one scale per output channel of each conv
    x = images[0][None]
    with torch.inference_mode():
        want = net(x)
    a = ob.OrtModel(folder / "tiny.int8.onnx", threads=1)(x)
    b = ovb.OvModel(folder / "tiny.int8.onnx", threads=1)(x).clone()
    scale = want.abs().max().item()
    # int8 steps are 1/255 of each calibrated range (input, ReLU output, logits): through two convs the
    # error is a few steps on average (~1 % of the logits' range), the worst pixel several times that
    for got in (a, b):
        err = (got - want).abs()
        assert err.mean().item() <= 0.03 * scale and err.max().item() <= 0.4 * scale
    assert (a - want).abs().max().item() > 1e-3 * scale  # it is quantised, not the fp32 graph


def test_calibration_set_is_fixed_by_its_seed_and_bounded_by_the_data(tmp_path):
    images, ra = q.calibration_set(2, 1, RES)
    a, b, c = (torch.stack(list(s)) for s in (images, q.calibration_set(2, 1, RES)[0], q.calibration_set(2, 2, RES)[0]))
    assert torch.equal(a, b) and not torch.equal(a, c) and ra["indices"] == "scenes (seed 1, 0..1)"
    root = camvid_tree(tmp_path / "camvid", size=(24, 40), n=3)
    images, record = q.calibration_set(2, 0, RES, data=f"camvid:{root}")
    assert images[1].shape == (3, *RES) and len(record["indices"]) == 2 and len(set(record["indices"])) == 2
    with pytest.raises(ArenaError, match=r"--calibration 4 is larger than the 3 training images.*--calibration 3"):
        q.calibration_set(4, 0, RES, data=f"camvid:{root}")
    with pytest.raises(ArenaError, match="--calibration must be an integer >= 1"):
        q.calibration_set(0, 0, RES)


@pytest.mark.parametrize("args, message", [
    (["--dtype", "int8"], "--dtype int8 is a quantised exported graph: add --backend onnxruntime"),
    (["--backend", "openvino", "--dtype", "bf16"], "--backend openvino times the exported graph in fp32 or int8"),
    (["--backend", "onnxruntime", "--dtype", "int8", "--calibration", "0"], "--calibration must be an integer >= 1"),
])
def test_bench_refuses_what_an_engine_cannot_run(tmp_path, args, message):
    out = tmp_path / "results"
    line = one_line_error(run_cli("bench", "fast_scnn", "--out", out, *args))
    assert message in line, line
    assert not out.exists()


def test_missing_openvino_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "openvino", None)
    with pytest.raises(ArenaError, match=r"openvino is not installed: pip install 'arena-seg\[openvino\]'"):
        ovb.require_openvino()
    out = tmp_path / "results"
    line = one_line_error(run_cli("bench", "fast_scnn", "--backend", "openvino", "--out", out))
    assert "arena-seg[openvino]" in line and not out.exists()


@pytest.mark.slow
def test_bench_eager_vs_both_engines_in_fp32_and_int8(tmp_path):
    r = run_cli("bench", "fast_scnn", "--res", "64x128", "--backend", "eager", "--backend", "onnxruntime",
                "--backend", "openvino", "--dtype", "fp32", "--dtype", "int8", "--calibration", "2",
                "--calibration-seed", "3", "--iters", "3", "--threads", "1", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    assert "int8 quantises the initialised (random) network" in r.stderr
    rows = [json.loads(line) for line in (tmp_path / "bench.jsonl").read_text().splitlines()]
    assert [(row["protocol"]["backend"], row["protocol"]["dtype"]) for row in rows] == [
        ("eager", "fp32"), ("onnxruntime", "fp32"), ("onnxruntime", "int8"), ("openvino", "fp32"), ("openvino", "int8")]
    for row in rows[1:]:
        m, p = row["metrics"], row["protocol"]
        assert m["reference"].endswith("]") and m["ratio_to_reference"]["ci_low"] <= m["ratio_to_reference"]["ci_high"]
        assert m["accuracy"]["argmax_agreement"] is not None and m["p10_ms"] <= m["median_ms"] <= m["p90_ms"]
        if p["backend"] == "openvino":
            assert p["openvino"]["inference_num_threads"] == 1 and p["openvino"]["plugin"] == "CPU"
        if p["dtype"] == "int8":
            cal = p["quantisation"]["calibration"]
            assert cal["size"] == 2 and cal["seed"] == 3 and "meaningless" in p["quantisation"]["weights"]
            assert row["setting"]["calibration"] == {"data": "synthetic", "size": 2, "seed": 3}
        else:
            assert m["accuracy"]["flagged"] is False and "calibration" not in row["setting"]
