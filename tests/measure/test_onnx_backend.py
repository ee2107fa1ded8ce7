"""ONNX export and ONNX Runtime: one tiny export (fast_scnn at 64x128) shared by the module's tests."""
import sys

import pytest
import torch

import arena
from arena.errors import ArenaError
from arena.measure import onnx_backend as ob

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

RES = (64, 128)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pytest.importorskip("onnx")  # the extra: a bare GPU machine may have onnxruntime alone
    pytest.importorskip("onnxscript")
    torch.manual_seed(0)
    net = arena.build("fast_scnn")
    net.train()
    path = tmp_path_factory.mktemp("onnx") / "fast_scnn.onnx"
    report = ob.export_onnx(net, path, res=RES, batch=1, check=True)
    return net, path, report


def test_export_and_check(exported, capfd):
    net, path, report = exported
    assert report["ok"] is True and report["rel_diff"] <= ob.RTOL and report["max_abs_diff"] >= 0
    assert report["argmax_agreement"] == pytest.approx(1.0)
    assert report["path"] == str(path) and report["bytes"] == path.stat().st_size > 0
    assert isinstance(report["opset"], int) and report["export_s"] > 0 and report["res"] == list(RES)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file, no external data
    assert net.training  # the caller's mode is restored


def test_export_is_quiet(tmp_path, capfd):
    """Library code never prints: the exporter's progress lines and warnings are swallowed."""
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4))
    capfd.readouterr()
    report = ob.export_onnx(net, tmp_path / "tiny.onnx", res=(8, 8), check=True)
    out, err = capfd.readouterr()
    assert report["ok"] and out == "" and err == ""


def test_ort_model_equals_eager(exported):
    net, path, _ = exported
    model = ob.OrtModel(path, device="cpu", threads=1)
    p = model.protocol
    assert p["provider"] == "CPUExecutionProvider" and p["intra_op_threads"] == 1 and p["inter_op_threads"] == 1
    assert p["graph_optimization"] == "ORT_ENABLE_ALL" and p["onnxruntime"] and p["host_copies"] is True
    x = torch.randn(1, 3, *RES)
    with torch.inference_mode():
        want = net.eval()(x)
    net.train()
    got = model(x)
    assert isinstance(got, torch.Tensor) and got.shape == want.shape
    assert (got - want).abs().max().item() <= ob.RTOL * want.abs().max().item()
    with pytest.raises(ArenaError, match="float32"):
        model(x.double())


def test_missing_onnxruntime_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ArenaError) as e:
        ob.require_onnxruntime()
    msg = str(e.value)
    assert "onnxruntime is not installed" in msg and "arena-seg[onnx]" in msg and "\n" not in msg
    with pytest.raises(ArenaError, match=r"arena-seg\[onnx\]"):
        ob.OrtModel(tmp_path / "x.onnx")
    with pytest.raises(ArenaError, match="onnxruntime"):
        ob.export_onnx(torch.nn.Conv2d(3, 3, 1), tmp_path / "x.onnx", res=(8, 8), check=True)
    assert list(tmp_path.iterdir()) == []


def test_missing_exporter_dependency_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxscript", None)
    with pytest.raises(ArenaError, match=r"onnxscript.*arena-seg\[onnx\]"):
        ob.export_onnx(torch.nn.Conv2d(3, 3, 1), tmp_path / "x.onnx", res=(8, 8), check=False)
    assert list(tmp_path.iterdir()) == []


def test_export_into_a_missing_folder_writes_nothing(tmp_path):
    target = tmp_path / "nope" / "m.onnx"
    with pytest.raises(ArenaError, match="does not exist"):
        ob.export_onnx(torch.nn.Conv2d(3, 3, 1), target, res=(8, 8))
    assert list(tmp_path.iterdir()) == []


def test_failing_export_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")

    def broken(*a, **k):
        print("partial progress")  # swallowed like the real exporter's prints
        raise RuntimeError("unsupported operator aten::frobnicate\nlong traceback text")
    monkeypatch.setattr(torch.onnx, "export", broken)
    with pytest.raises(ArenaError) as e:
        ob.export_onnx(torch.nn.Conv2d(3, 3, 1), target, res=(8, 8))
    assert "aten::frobnicate" in str(e.value) and "\n" not in str(e.value) and "eager" in str(e.value)
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_ort_model_errors(tmp_path, exported):
    with pytest.raises(ArenaError, match="no ONNX file"):
        ob.OrtModel(tmp_path / "missing.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ArenaError, match="cannot load"):
        ob.OrtModel(bad)
    import onnxruntime
    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        with pytest.raises(ArenaError, match="CUDAExecutionProvider"):
            ob.OrtModel(exported[1], device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_provider_when_present(exported):
    import onnxruntime
    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        pytest.skip("onnxruntime without the CUDA provider")
    net, path, _ = exported
    model = ob.OrtModel(path, device="cuda")
    x = torch.randn(1, 3, *RES, device="cuda")
    want = ob.OrtModel(path)(x.cpu())
    assert (model(x).cpu() - want).abs().max().item() <= 1e-3 * want.abs().max().item()


class _Rejects(torch.nn.Module):
    """A network that refuses a resolution with the user error arena's networks raise."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 1)

    def forward(self, x):
        if x.shape[-1] % 7:
            raise ArenaError("resolution 8x8 is not a multiple of the output stride 7: use e.g. 14x14")
        return self.conv(x)


class _Unexportable(torch.nn.Module):
    def forward(self, x):
        return torch.frexp(x)[0]  # no ONNX translation: a real exporter failure


@pytest.mark.parametrize("net, message", [(_Rejects(), "output stride 7: use e.g. 14x14"),
                                          (_Unexportable(), "ONNX export failed")])
def test_real_export_failures_are_one_line_and_write_nothing(tmp_path, net, message):
    with pytest.raises(ArenaError) as e:
        ob.export_onnx(net, tmp_path / "m.onnx", res=(8, 8))
    assert message in str(e.value) and "\n" not in str(e.value)
    assert list(tmp_path.iterdir()) == []
