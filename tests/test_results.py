"""Result rows: schema, atomic append, damaged lines skipped with file:line, load into pandas."""
from __future__ import annotations

import json

import pytest

from arena import results


def _row(spec="fanet18[upsampler=gai]", macs=1):
    return results.make_row("profile", spec, {"macs": macs}, protocol={"res": [512, 1024]},
                            environment_={"torch": "x"})


def test_row_has_every_field_and_splits_the_spec():
    row = _row()
    assert set(results.FIELDS) <= set(row)
    assert row["network"] == "fanet18" and row["swaps"] == {"upsampler": "gai"}
    assert results.split_canonical("a[x=gai(iters=1,k=[1,2]),classes=11]") == (
        "a", {"x": "gai(iters=1,k=[1,2])", "classes": "11"})


def test_append_and_load(tmp_path):
    results.append(tmp_path / "profile.jsonl", [_row(macs=1), _row("fast_scnn", macs=2)])
    results.append(tmp_path / "sub" / "bench.jsonl", [results.make_row("bench", "sgcpnet", {"ms": 3.0})])
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
