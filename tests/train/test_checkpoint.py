"""Checkpoints hold tensors and plain data only, load without running code, and resume only where
the run ran; `--deterministic` sets its switches for the run and restores them after."""
from __future__ import annotations

import json
import os

import pytest
import torch
from typer.testing import CliRunner

from arena.cli import app
from arena.errors import ArenaError
from arena.train import checkpoint
from arena.train.loop import TrainConfig, train
from tests.helpers import one_line_error

SMOKE = dict(spec="fast_scnn", schedule="smoke", threads=1, iters=2)


def cli(*args):
    return CliRunner().invoke(app, ["train", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def cpu_run(tmp_path_factory):
    """One finished two-iteration CPU run."""
    out = tmp_path_factory.mktemp("run")
    return train(TrainConfig(**SMOKE, out=str(out))), out


class WritesAFile:
    """A pickle payload: unpickling it opens (creates) a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_planted_pickle_is_refused_and_runs_nothing(tmp_path):
    folder = tmp_path / "runs" / "theirs"
    folder.mkdir(parents=True)
    marker = tmp_path / "payload-ran"
    torch.save({"model": WritesAFile(str(marker))}, folder / "last.pt")
    line = one_line_error(cli("fast_scnn", "--resume", folder, "--out", tmp_path))
    assert "refused" in line and "could run code" in line, line
    assert not marker.exists()


def test_the_checkpoint_loads_as_weights_only(cpu_run):
    run, _ = cpu_run
    state = torch.load(run.folder / "last.pt", map_location="cpu", weights_only=True)
    (rank0,) = state["rng"]["ranks"]
    assert isinstance(rank0["torch"], torch.Tensor) and isinstance(rank0["python"], list)
    assert state["setting"] == {"device_type": "cpu", "amp": False, "channels_last": False, "world": 1}


def test_rng_states_round_trip_as_plain_data():
    import random

    import numpy as np

    state = checkpoint.rng_state()
    expected = (torch.rand(3), random.random(), np.random.rand(2))
    torch.rand(5), random.random(), np.random.rand(7)  # the streams move on
    checkpoint.set_rng_state(state)
    again = (torch.rand(3), random.random(), np.random.rand(2))
    assert torch.equal(expected[0], again[0]) and expected[1] == again[1] and (expected[2] == again[2]).all()


def test_resuming_in_another_setting_is_one_line(cpu_run, tmp_path):
    run, out = cpu_run
    line = one_line_error(cli("fast_scnn", "--schedule", "smoke", "--iters", "2", "--threads", "1", "--device", "cuda",
                              "--resume", run.folder, "--out", out))
    assert "that run trained on cpu, AMP off, channels_last off, 1 process; this one asks for cuda, AMP on" in line
    assert "resume it with --device cpu --no-amp" in line
    with pytest.raises(ArenaError, match="channels_last on"):
        train(TrainConfig(**SMOKE, out=str(out), channels_last=True, resume=str(run.folder)))


def test_deterministic_switches_hold_during_the_run_and_are_restored(tmp_path, monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    seen = []

    def look(entry):
        seen.append((torch.are_deterministic_algorithms_enabled(), torch.backends.cudnn.deterministic,
                     os.environ.get("CUBLAS_WORKSPACE_CONFIG")))

    run = train(TrainConfig(**SMOKE, out=str(tmp_path), deterministic=True), on_log=look)
    assert seen and set(seen) == {(True, True, ":4096:8")}
    assert not torch.are_deterministic_algorithms_enabled() and not torch.backends.cudnn.deterministic
    assert run.row["protocol"]["deterministic"] is True and run.row["protocol"]["nondeterministic_ops"] == []
    r = cli("fast_scnn", "--iters", "2", "--threads", "1", "--deterministic", "--out", tmp_path / "cli")
    assert r.exit_code == 0, r.output
    row = json.loads((tmp_path / "cli" / "train.jsonl").read_text())
    assert row["protocol"]["deterministic"] is True


def test_kernels_without_a_deterministic_version_are_recorded():
    import warnings

    from arena.train.determinism import deterministic

    with deterministic(True) as record:
        warnings.warn("upsample_bilinear2d_backward_out_cuda does not have a deterministic implementation, but "
                      "you set 'torch.use_deterministic_algorithms(True, warn_only=True)'", UserWarning)
        warnings.warn("upsample_bilinear2d_backward_out_cuda does not have a deterministic implementation", UserWarning)
        assert record.ops == ["upsample_bilinear2d_backward_out_cuda"]
    with pytest.warns(UserWarning, match="something else"):
        with deterministic(True):
            warnings.warn("something else", UserWarning)  # passed on, not swallowed
