"""A bench row's mode at its own eval accuracy, or marked as borrowing fp32's."""
from arena.report.mode_accuracy import BORROWED, OWN, accuracy_of, index


def row(kind, spec, backend, dtype, miou=None, run="runs/a"):
    return {"kind": kind, "spec": spec, "protocol": {"backend": backend, "dtype": dtype, "source": {"run": run}},
            "metrics": {"miou": miou} if miou is not None else {}}


def test_own_eval_accuracy_else_borrowed_fp32():
    evals = index([row("eval", "fast_scnn", "onnxruntime", "int8", 0.60, "runs/s0"),
                   row("eval", "fast_scnn", "onnxruntime", "int8", 0.70, "runs/s1"),
                   row("eval", "fast_scnn", "eager", "fp32", 0.66),
                   row("bench", "fast_scnn", "openvino", "int8")])  # not an eval row: ignored
    got = accuracy_of(row("bench", "fast_scnn", "onnxruntime", "int8"), evals, fp32_miou=0.66)
    assert got == {"miou": (0.60 + 0.70) / 2, "source": OWN, "n": 2}  # the mean over the two runs' evals
    assert evals[("fast_scnn", "onnxruntime", "int8")]["sources"] == ["runs/s0", "runs/s1"]
    borrowed = accuracy_of(row("bench", "fast_scnn", "openvino", "int8"), evals, fp32_miou=0.66)
    assert borrowed == {"miou": 0.66, "source": BORROWED, "n": 0}
    assert accuracy_of(row("bench", "sgcpnet", "eager", "fp32"), evals) == {"miou": None, "source": None, "n": 0}
