"""Training on a GPU for real: AMP resume with --deterministic, a CPU run refused on CUDA. Skipped
without CUDA (never verified on this project's CPU CI; `bash benchmarks/gpu_check.sh` runs them)."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from arena.errors import ArenaError
from arena.train import schedules
from arena.train.loop import TrainConfig, train

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]
SMOKE = dict(spec="fast_scnn", schedule="smoke", iters=8, threads=1)


def weights(folder):
    return torch.load(folder / "last.pt", map_location="cpu", weights_only=True)["model"]


def test_amp_resume_with_deterministic_is_bit_exact_or_names_the_kernels(tmp_path, monkeypatch):
    monkeypatch.setitem(schedules.SCHEDULES, "smoke", dataclasses.replace(schedules.SCHEDULES["smoke"], ckpt_every=6))
    cfg = TrainConfig(**SMOKE, device="cuda", deterministic=True, out=str(tmp_path / "a"))
    full = train(cfg)

    def interrupt(entry):
        if entry.get("iter") == 6:
            raise KeyboardInterrupt

    twin = dataclasses.replace(cfg, out=str(tmp_path / "b"))
    with pytest.raises(KeyboardInterrupt):
        train(twin, on_log=interrupt)
    resumed = train(dataclasses.replace(twin, resume=str(tmp_path / "b" / "runs" / full.folder.name)))
    a, b = weights(full.folder), weights(resumed.folder)
    exact = all(torch.equal(a[k], b[k]) for k in a)
    ops = resumed.row["protocol"]["nondeterministic_ops"]
    assert resumed.row["protocol"]["amp"] is True
    assert exact or ops, "not bit-exact, and no kernel without a deterministic version was recorded"


def test_a_cpu_run_resumed_on_cuda_is_one_line(tmp_path):
    run = train(TrainConfig(**SMOKE, out=str(tmp_path)))
    with pytest.raises(ArenaError, match="that run trained on cpu.*resume it with --device cpu --no-amp"):
        train(TrainConfig(**SMOKE, device="cuda", out=str(tmp_path), resume=str(run.folder)))
