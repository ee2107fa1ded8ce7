"""`arena data synth` into a folder that holds scenes: refused unless --overwrite, which replaces it
whole (never a mixture of two runs), and a failure half-way leaves the old dataset as it was."""
from __future__ import annotations

import pytest
from PIL import Image
from typer.testing import CliRunner

from arena.cli import app
from tests.helpers import one_line_error


def _synth(out, *extra):
    return CliRunner().invoke(app, ["data", "synth", "--out", str(out), "--n", "2", "--res", "32x64", *extra])


def _files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.png"))}


def test_a_second_synth_is_refused_and_the_first_is_intact(tmp_path):
    assert _synth(tmp_path / "d").exit_code == 0
    before = _files(tmp_path / "d")
    line = one_line_error(_synth(tmp_path / "d", "--res", "48x48"))
    assert "already holds files" in line and "--overwrite" in line
    assert _files(tmp_path / "d") == before


def test_overwrite_replaces_the_folder_whole(tmp_path):
    """Before: the second run overwrote some scenes and kept others at another size."""
    assert _synth(tmp_path / "d", "--n", "3").exit_code == 0  # 3 train scenes
    (tmp_path / "d" / "notes.txt").write_text("mine")
    r = CliRunner().invoke(app, ["data", "synth", "--out", str(tmp_path / "d"), "--n", "1", "--res", "40x40",
                                 "--overwrite"])
    assert r.exit_code == 0, r.output
    pngs = sorted((tmp_path / "d").rglob("*.png"))
    assert len(pngs) == 4  # 1 train + 1 val, image and label each
    assert {Image.open(p).size for p in pngs} == {(40, 40)}
    assert not (tmp_path / "d" / "notes.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".d.new-")]


def test_a_split_is_refused_only_where_it_exists(tmp_path):
    assert _synth(tmp_path / "d", "--split", "train").exit_code == 0
    assert _synth(tmp_path / "d", "--split", "val").exit_code == 0  # another split: free
    assert "already holds a dataset split" in one_line_error(_synth(tmp_path / "d", "--split", "val"))
    assert _synth(tmp_path / "d", "--split", "val", "--overwrite", "--n", "1").exit_code == 0
    assert len(list((tmp_path / "d" / "leftImg8bit" / "val").rglob("*.png"))) == 1
    assert len(list((tmp_path / "d" / "leftImg8bit" / "train").rglob("*.png"))) == 2


def test_a_failed_overwrite_leaves_the_old_dataset(tmp_path, monkeypatch):
    assert _synth(tmp_path / "d").exit_code == 0
    before = _files(tmp_path / "d")
    calls = {"n": 0}
    from arena.data import io

    real = io.write_png

    def failing(path, array):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(path, array)

    monkeypatch.setattr(io, "write_png", failing)
    r = _synth(tmp_path / "d", "--overwrite", "--res", "48x48")
    assert r.exit_code != 0
    monkeypatch.undo()
    assert _files(tmp_path / "d") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".d.new-")]
