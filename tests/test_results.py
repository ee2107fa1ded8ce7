"""Result rows: schema, identity columns, and the setting fingerprint (tests/test_store.py: the store)."""
from __future__ import annotations

import json

import pytest

import arena
import arena.api
from arena import results


def _identity(spec):
    return arena.resolve(spec).row_fields()


def _row(spec="fanet18[upsampler=gai]", macs=1, kind="profile"):
    return results.make_row(kind, _identity(spec), {"macs": macs}, protocol={"res": [512, 1024]},
                            environment_={"torch": "x"})


def test_row_has_every_field_and_its_identity():
    row = _row()
    assert set(results.FIELDS) <= set(row)
    assert row["network"] == "fanet18" and row["swaps"] == {"upsampler": "gai"} and row["overrides"] == {}


def test_overrides_and_swaps_are_separate_columns():
    row = _row("fast_scnn[classes=11,upsampler=gai]")
    assert row["spec"] == "fast_scnn[classes=11,upsampler=gai]"
    assert row["network"] == "fast_scnn"
    assert row["overrides"] == {"classes": 11}
    assert row["swaps"] == {"upsampler": "gai"}
    row = _row("s2fpn18[attention.ssam=se(reduction=4)]")
    assert row["swaps"] == {"attention.ssam": "se(reduction=4)"} and row["overrides"] == {}


def test_three_spellings_of_one_user_file_are_one_key(tmp_path, monkeypatch):
    import shutil

    shutil.copy(arena.api.catalogue()["fast_scnn"], tmp_path / "mine.arena")
    monkeypatch.chdir(tmp_path)
    spellings = ["mine.arena:fast_scnn", "./mine.arena:fast_scnn", f"{tmp_path / 'mine.arena'}:fast_scnn",
                 "mine.arena"]
    keys = {arena.resolve(s).canonical for s in spellings}
    assert keys == {"mine.arena:fast_scnn"}
    assert {_row(s)["network"] for s in spellings} == {"mine.arena:fast_scnn"}


def test_identity_is_required():
    with pytest.raises(ValueError, match="identity lacks"):
        results.make_row("profile", {"spec": "x"}, {})


def _train(schedule_iters=240, seed=0, knobs=None, val_images=24):
    data = {"name": "synthetic", "seed": seed, "scene_seed": seed, "crop": [128, 256],
            "config": {"version": 1, "blur": 0.6, **(knobs or {})}}
    val = {"name": "synthetic", "seed": seed, "size": val_images, "config": data["config"]}
    schedule = {"name": "demo", "iters": schedule_iters, "batch": 4, "crop": [128, 256], "lr": 0.05,
                "log_every": 20, "source": "arena"}
    return results.make_row("train", _identity("fast_scnn"), {"miou": 0.2},
                            protocol={"schedule": schedule, "data": data, "val": val, "amp": False, "world": 1},
                            dataset="synthetic", schedule="demo", seed=seed, environment_={"torch": "x"})


def test_setting_pairs_seeds_and_separates_what_changes_the_answer():
    base = _train()["setting"]
    assert _train(seed=3)["setting"] == base  # seeds are what gets paired: never part of the setting
    for other in (_train(schedule_iters=120), _train(knobs={"blur": 0.0}), _train(val_images=200)):
        assert other["setting"]["id"] != base["id"]
    assert base["schedule"]["iters"] == 240 and "log_every" not in base["schedule"]  # readable, bookkeeping out
    assert len(base["id"]) == 10


def test_bench_setting_holds_the_protocol_that_changes_a_latency():
    def bench(**protocol):
        return results.make_row("bench", _identity("fast_scnn"), {"median_ms": 1.0},
                                protocol={"device": "cpu", "dtype": "fp32", "threads": 2, "res": [64, 128],
                                          "iters": 10, **protocol}, environment_={"device_name": "cpu x"})

    assert bench(iters=50)["setting"] == bench()["setting"]  # how long it was timed is not the setting
    assert bench(dtype="bf16")["setting"]["id"] != bench()["setting"]["id"]
    assert bench(threads=1)["setting"]["id"] != bench()["setting"]["id"]


def test_rows_written_before_the_setting_column_get_it_when_read(tmp_path):
    row = _train()
    old = {k: v for k, v in row.items() if k != "setting"}
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(old) + "\n")
    assert results.read_rows(path)[0]["setting"] == row["setting"]
