"""A study's `eval` kind: each train job's weights evaluated in the [bench] mode, one eval row per mode."""
from __future__ import annotations

import pytest

from arena.store import Store
from arena.studies.driver import run_study
from arena.studies.engines.local import LocalEngine
from arena.studies.plan import expand
from arena.studies.schema import StudyError, from_dict


def study(kinds, bench=None):
    return from_dict({"study": {"name": "ev", "networks": ["fast_scnn"], "seeds": [0], "kinds": kinds},
                      "train": {"schedule": "smoke"}, "bench": bench or {"backend": "onnxruntime"}})


def test_eval_needs_train_and_an_evaluable_mode():
    with pytest.raises(StudyError, match='add "train" to kinds'):
        study(["bench", "eval"])
    with pytest.raises(StudyError, match="eval of the \\[bench\\] mode"):
        study(["train", "eval"], {"dtype": "fp16"})
    assert study(["train", "eval"]).evaluate == (("eager", "fp32"), ("onnxruntime", "fp32"))


@pytest.mark.slow
def test_the_train_job_writes_its_eval_rows_and_a_rerun_skips_it(tmp_path):
    s = study(["train", "eval"])
    job, = expand(s).jobs
    assert len(job.keys()) == 3  # the train row, then fp32 eager and ONNX Runtime fp32
    run_study(s, LocalEngine(workers=1, threads=1), tmp_path)
    rows = sorted(Store(tmp_path).records(quiet=True), key=lambda r: r["kind"] != "train")  # one file per kind
    assert [r["kind"] for r in rows] == ["train", "eval", "eval"]
    assert [(r["protocol"]["backend"], r["protocol"]["dtype"]) for r in rows[1:]] == [("eager", "fp32"),
                                                                                     ("onnxruntime", "fp32")]
    assert sorted(r["job_key"] for r in rows) == sorted(job.keys())
    # fp32 eager in the eval row is the training's own final validation, on the same images
    assert rows[1]["metrics"]["miou"] == pytest.approx(rows[0]["metrics"]["miou"])
    again = run_study(s, LocalEngine(workers=1, threads=1), tmp_path)
    assert again.summary["skipped"] == 1 and len(Store(tmp_path).records(quiet=True)) == 3
