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


def test_the_summary_places_each_mode_at_its_own_accuracy(tmp_path):
    from arena import results
    from arena.report.frames import load_rows, summary
    from arena.report.pareto_caption import caption
    from tests.report import synth

    ort = dict(backend="onnxruntime")
    evaluated = results.make_row("eval", synth.identity("fast_scnn"), {"miou": 0.52},
                                 protocol={"backend": "onnxruntime", "dtype": "int8", "source": {"run": "runs/a"}},
                                 environment_=synth.CPU)
    rows = [synth.train("fast_scnn", 0.55, 0), synth.train("fast_scnn", 0.57, 1),
            synth.bench("fast_scnn", 40.0, env=synth.CPU),
            synth.bench("fast_scnn", 20.0, env=synth.CPU, **ort),
            synth.bench("fast_scnn", 12.0, env=synth.CPU, dtype="int8", **ort), evaluated]
    df = summary(load_rows(synth.write(tmp_path, rows))).set_index(["mode", "precision"])
    assert df.loc[("eager", "fp32"), "miou"] == 56.0 and df.loc[("eager", "fp32"), "miou_source"] == "own"
    # ORT fp32 has no eval row: the training mean, marked as borrowed
    assert df.loc[("onnxruntime", "fp32"), "miou"] == 56.0
    assert df.loc[("onnxruntime", "fp32"), "miou_source"] == BORROWED
    # ORT int8 was evaluated: its own 52 %, not the fp32 network's 56 %
    assert df.loc[("onnxruntime", "int8"), "miou"] == 52.0
    assert df.loc[("onnxruntime", "int8"), "miou_source"] == "own (eval)"
    points = df.reset_index()
    points = points[points["precision"] == "fp32"].dropna(subset=["latency_ms"])
    assert "1 point(s) borrow fp32 eager's mIoU" in caption(points, "latency")


def test_the_table_footnote_names_the_modes_that_borrow_fp32_accuracy(tmp_path):
    from arena.report.frames import load_rows, summary
    from arena.report.table_format import footnotes
    from arena.report.tables import table
    from tests.report import synth

    rows = [synth.train("fast_scnn", 0.55, 0), synth.bench("fast_scnn", 40.0, env=synth.CPU),
            synth.bench("fast_scnn", 20.0, env=synth.CPU, backend="onnxruntime")]
    s = summary(load_rows(synth.write(tmp_path, rows)))
    notes = footnotes(table(s[s["mode"] == "onnxruntime"]))
    assert any(n.startswith("mIoU borrowed from fp32 eager") and "onnxruntime" in n for n in notes)
    assert not any("borrowed" in n for n in footnotes(table(s[s["mode"] == "eager"])))
