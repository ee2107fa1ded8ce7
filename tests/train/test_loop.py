"""The training loop on CPU at smoke size: it learns, it resumes bit for bit, it guards against NaN,
it runs under DDP with gloo, and each bad input is one line."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from typer.testing import CliRunner

import arena
from arena.cli import app
from arena.errors import ArenaError
from arena.train.loop import TrainConfig, TrainingDiverged, train
from tests.helpers import one_line_error

SMOKE = dict(spec="fast_scnn", schedule="smoke", threads=1)


def weights(folder):
    return torch.load(folder / "last.pt", weights_only=False)["model"]


def test_smoke_run_lowers_the_loss_and_writes_a_row(tmp_path):
    run = train(TrainConfig(**SMOKE, iters=16, out=str(tmp_path)))
    losses = [e["loss"] for e in run.metrics["curve"]["loss"]]
    assert sum(losses[-2:]) / 2 < sum(losses[:2]) / 2, losses
    row = run.row
    assert not (tmp_path / "train.jsonl").exists()  # the library returns the row; its caller appends it
    assert json.loads((run.folder / "row.json").read_text()) == json.loads(json.dumps(row, default=str))
    assert row["kind"] == "train" and row["schedule"] == "smoke" and row["seed"] == 0
    assert row["dataset"] == "synthetic" and "config" in row["protocol"]["data"]  # difficulty knobs recorded
    assert row["protocol"]["schedule"]["iters"] == 16 and 0 <= row["metrics"]["miou"] <= 1
    assert (run.folder / "config.json").is_file() and (run.folder / "last.pt").is_file()


def test_interrupted_and_resumed_run_equals_an_uninterrupted_one_bit_for_bit(tmp_path, monkeypatch):
    import dataclasses

    from arena.train import schedules

    # 12 smoke iterations rescaled to 8: a checkpoint every 6 becomes one every 4
    monkeypatch.setitem(schedules.SCHEDULES, "smoke", dataclasses.replace(schedules.SCHEDULES["smoke"], ckpt_every=6))
    full = train(TrainConfig(**SMOKE, iters=8, out=str(tmp_path / "a")))

    def interrupt(entry):
        if entry.get("iter") == 6:  # after the checkpoint at 4: Ctrl-C
            raise KeyboardInterrupt

    cfg = TrainConfig(**SMOKE, iters=8, out=str(tmp_path / "b"))
    with pytest.raises(KeyboardInterrupt):
        train(cfg, on_log=interrupt)
    [folder] = (tmp_path / "b" / "runs").glob("fast_scnn_smoke_s0_*")  # the name ends in the setting's hash
    assert torch.load(folder / "last.pt", weights_only=False)["iteration"] == 4
    resumed = train(dataclasses.replace(cfg, resume=str(folder)))
    a, b = weights(full.folder), weights(resumed.folder)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert resumed.metrics["resumed_from"] == 4 and resumed.metrics["miou"] == full.metrics["miou"]


def test_nan_guard_stops_and_saves_the_last_good_state(tmp_path, monkeypatch):
    import arena.train.loop as loop

    real = loop.total_loss
    calls = {"n": 0}

    def poisoned(*args, **kwargs):
        calls["n"] += 1
        loss, parts = real(*args, **kwargs)
        return (loss * float("nan"), parts) if calls["n"] == 3 else (loss, parts)

    monkeypatch.setattr(loop, "total_loss", poisoned)
    with pytest.raises(TrainingDiverged, match=r"the loss is nan at iteration 2 of fast_scnn.*saved in"):
        train(TrainConfig(**SMOKE, iters=6, out=str(tmp_path)))
    state = torch.load(next((tmp_path / "runs").glob("fast_scnn_smoke_s0_*")) / "last.pt", weights_only=False)
    assert state["iteration"] == 2
    assert all(torch.isfinite(v).all() for v in state["model"].values() if v.is_floating_point())


def test_same_seed_same_data_for_a_base_network_and_its_swap():
    from arena.data import loader, open_dataset

    ds, _ = open_dataset("synthetic", "train", crop=(64, 128), seed=3)
    a = [y for _, y in loader(ds, 2, seed=3, samples=6)]
    b = [y for _, y in loader(ds, 2, seed=3, samples=6)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    base = arena.build("fanet18", seed=3).state_dict()
    swapped = arena.build("fanet18[upsampler=gai]", seed=3).state_dict()
    shared = [k for k in base if k in swapped and base[k].shape == swapped[k].shape]  # all families: tests/dsl
    assert shared and all(torch.equal(base[k], swapped[k]) for k in shared)


@pytest.mark.slow
def test_two_process_ddp_on_cpu_with_gloo(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.getcwd()}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "arena", "train", "fast_scnn", "--schedule", "smoke", "--iters", "4", "--threads", "1",
           "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 1  # only rank 0 writes
    row = rows[0]
    assert row["protocol"]["world"] == 2 and row["metrics"]["iterations"] == 4
    # the confusion matrix was summed over both ranks: every labelled validation pixel counted once
    from arena.data import open_dataset

    val, _ = open_dataset("synthetic", "val", crop=(64, 128), length=row["protocol"]["schedule"]["val_images"])
    labelled = sum(int((val[i][1] != 255).sum()) for i in range(len(val)))
    assert row["metrics"]["val_pixels"] == labelled
    assert f"{100 * row['metrics']['miou']:.2f}" in proc.stdout  # what it reports is what it saved
    state = torch.load(next((tmp_path / "runs").glob("fast_scnn_smoke_s0_*")) / "last.pt", weights_only=True)
    assert len(state["rng"]["ranks"]) == 2 and state["setting"]["world"] == 2  # every rank's RNG
    assert row["protocol"]["backend"] == "gloo"



def test_bad_inputs_are_one_line(tmp_path):
    run = lambda *a: CliRunner().invoke(app, ["train", *[str(x) for x in a]])  # noqa: E731
    assert "holds no checkpoint" in one_line_error(run("fast_scnn", "--resume", tmp_path, "--out", tmp_path))
    assert "no such run folder" in one_line_error(run("fast_scnn", "--resume", tmp_path / "nope"))
    assert "unknown schedule 'fast'" in one_line_error(run("fast_scnn", "--schedule", "fast", "--out", tmp_path))
    assert "--iters must be >= 1" in one_line_error(run("fast_scnn", "--iters", "0", "--out", tmp_path))
    line = one_line_error(run("fast_scnn", "--data", f"cityscapes:{tmp_path / 'missing'}", "--out", tmp_path))
    assert "leftImg8bit" in line  # the message shows the expected layout
    line = one_line_error(run("fast_scnn", "--schedule", "paper", "--data", "synthetic", "--device", "cuda",
                              "--out", tmp_path)) if not torch.cuda.is_available() else "torch.cuda"
    assert "torch.cuda" in line


def test_pretrained_backbone_loads_and_mismatches_are_named(tmp_path):
    from arena.train.pretrained import load_backbone

    donor = arena.build("fast_scnn")
    backbone = {k: v for k, v in donor.nodes["x32"].state_dict().items()}
    good = tmp_path / "backbone.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in backbone.items()}}, good)
    net = arena.build("fast_scnn")
    report = load_backbone(net, good)
    assert report["loaded"] == len(backbone)
    assert all(torch.equal(net.nodes["x32"].state_dict()[k], v) for k, v in backbone.items())
    bad = dict(backbone)
    first = next(k for k in bad if k.endswith("weight"))
    bad[first] = torch.zeros(3, 3)
    bad["head.fc.weight"] = torch.zeros(1)
    path = tmp_path / "bad.pth"
    torch.save(bad, path)
    with pytest.raises(ArenaError, match=r"does not fit the backbone of fast_scnn: 1 keys match no backbone tensor "
                                         r"\(head.fc.weight\); 1 shapes differ"):
        load_backbone(arena.build("fast_scnn"), path)
    r = CliRunner().invoke(app, ["train", "fast_scnn", "--pretrained", str(path), "--out", str(tmp_path)])
    assert "does not fit the backbone" in one_line_error(r)
