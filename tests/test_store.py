"""The results store: atomic append by kind, damaged lines skipped with file:line, one rule for
reruns, done keys, the failure log."""
from __future__ import annotations

import json

import pytest

import arena
from arena import results
from arena.store import Store, latest


def _row(spec="fanet18[upsampler=gai]", macs=1, kind="profile", **extra):
    row = results.make_row(kind, arena.resolve(spec).row_fields(), {"macs": macs}, protocol={"res": [512, 1024]},
                           environment_={"torch": "x"})
    return {**row, **extra}


def test_append_by_kind_and_read_back(tmp_path):
    store = Store(tmp_path / "r")
    paths = store.append([_row(macs=1), _row("fast_scnn", macs=2), _row("sgcpnet", kind="bench")])
    assert sorted(p.name for p in paths) == ["bench.jsonl", "profile.jsonl"]
    Store(tmp_path / "r" / "sub").append([_row(macs=3)])  # a sub-folder's rows are the folder's too
    df = store.rows()
    assert len(df) == 4 and set(df["kind"]) == {"profile", "bench"}
    assert sorted(df["metrics.macs"].dropna()) == [1, 1, 2, 3]
    assert len(store.rows("bench")) == 1 and len(store.rows(spec="fast_scnn")) == 1
    assert "setting.id" in df


def test_nothing_is_created_until_rows_arrive(tmp_path):
    store = Store(tmp_path / "new" / "dir")
    assert store.check_writable().records() == [] and not (tmp_path / "new").exists()


def test_damaged_line_skipped_with_file_and_line(tmp_path):
    store = Store(tmp_path)
    store.append([_row()])
    with open(tmp_path / "profile.jsonl", "a") as f:
        f.write('{"kind": "profile", "spec": "trunc')  # a crash mid-write
    store.append([_row(macs=5)])  # starts on a fresh line
    with pytest.warns(UserWarning, match=r"profile\.jsonl:2: damaged"):
        df = store.rows()
    assert list(df["metrics.macs"]) == [1, 5]


def test_newer_schema_is_skipped(tmp_path):
    (tmp_path / "r.jsonl").write_text(json.dumps({**_row(), "schema": results.SCHEMA_VERSION + 1}) + "\n")
    with pytest.warns(UserWarning, match="newer"):
        assert len(Store(tmp_path).rows()) == 0


def test_incomplete_row_refused_and_nothing_written(tmp_path):
    with pytest.raises(ValueError, match="make_row"):
        Store(tmp_path).append([{"kind": "profile"}])
    assert not (tmp_path / "profile.jsonl").exists()


def test_latest_is_the_last_written_time_then_read_order(tmp_path):
    store = Store(tmp_path)
    store.append([_row(macs=1, time="2026-01-02T00:00:00+00:00"), _row(macs=2, time="2026-01-01T00:00:00+00:00"),
                  _row(macs=3, time="2026-01-02T00:00:00+00:00")])
    kept = latest(store.rows(), ["spec"])
    assert list(kept["metrics.macs"]) == [3]  # newest time; of the two at that time, the later line


def test_done_keys_and_stale_rows(tmp_path, monkeypatch):
    store = Store(tmp_path)
    store.append([_row(job_key="a"), _row(job_key="b", git_commit="another")])
    assert store.done() == {"a", "b"}
    mine = _row()["git_commit"]
    monkeypatch.setattr("arena.env.git_commit", lambda: mine)
    assert store.done(rerun_stale=True) == {"a"}


def test_failure_log_records_and_forgets(tmp_path):
    store = Store(tmp_path)
    store.record_failure({"kind": "train"}, ["k1", "k2"], "RuntimeError: boom")
    store.record_failure({"kind": "profile"}, ["k3"], "ValueError: no")
    assert store.failures() == {"k1": "RuntimeError: boom", "k2": "RuntimeError: boom", "k3": "ValueError: no"}
    assert store.records() == []  # the failure log holds no rows
    store.clear_failures({"k1"})
    assert store.failures() == {"k3": "ValueError: no"}


def test_latest_records_is_the_frames_rule_for_plain_rows():
    """Greatest time wins; equal times: the later read wins (the same rule as `latest` on a frame)."""
    from arena.store import latest_records

    rows = [{"seed": 0, "time": "2026-01-02", "v": "new"}, {"seed": 0, "time": "2026-01-01", "v": "old"},
            {"seed": 1, "time": "2026-01-01", "v": "first read"}, {"seed": 1, "time": "2026-01-01", "v": "second read"}]
    kept = latest_records(rows, key=lambda r: r["seed"])
    assert sorted((r["seed"], r["v"]) for r in kept) == [(0, "new"), (1, "second read")]
    import pandas as pd

    from arena.store import latest

    frame = latest(pd.DataFrame(rows), ["seed"])
    assert sorted(zip(frame["seed"], frame["v"])) == [(0, "new"), (1, "second read")]
