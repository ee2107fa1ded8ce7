"""Result rows: schema, atomic append, damaged lines skipped with file:line, load into pandas."""
from __future__ import annotations

import json

import pytest

import arena
import arena.api
from arena import results
from arena.errors import ArenaError


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


def test_unusable_results_folder_refused_up_front(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    with pytest.raises(ArenaError, match="it is a file, not a folder"):
        results.writable_dir(afile)
    assert afile.read_text() == "keep me"
    with pytest.raises(ArenaError, match="cannot create the results folder"):
        results.writable_dir(afile / "sub")
    assert results.writable_dir(tmp_path / "new" / "dir").is_dir()


def test_append_and_load(tmp_path):
    results.append(tmp_path / "profile.jsonl", [_row(macs=1), _row("fast_scnn", macs=2)])
    results.append(tmp_path / "sub" / "bench.jsonl", [results.make_row("bench", _identity("sgcpnet"), {"ms": 3.0})])
    df = results.load(tmp_path)
    assert len(df) == 3 and set(df["kind"]) == {"profile", "bench"}
    assert sorted(df["metrics.macs"].dropna()) == [1, 2]
    assert len(results.load(tmp_path, kind="bench")) == 1


def test_damaged_line_skipped_with_file_and_line(tmp_path):
    path = tmp_path / "r.jsonl"
    results.append(path, [_row()])
    with open(path, "a") as f:
        f.write('{"kind": "profile", "spec": "trunc')  # a crash mid-write
    results.append(path, [_row(macs=5)])  # starts on a fresh line
    with pytest.warns(UserWarning, match=r"r\.jsonl:2: damaged"):
        df = results.load(path)
    assert list(df["metrics.macs"]) == [1, 5]


def test_newer_schema_is_skipped(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({**_row(), "schema": results.SCHEMA_VERSION + 1}) + "\n")
    with pytest.warns(UserWarning, match="newer"):
        assert len(results.load(path)) == 0


def test_incomplete_row_refused(tmp_path):
    with pytest.raises(ValueError, match="make_row"):
        results.append(tmp_path / "r.jsonl", [{"kind": "profile"}])
