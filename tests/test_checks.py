"""The shared checks: one line naming the value and the fix, nothing created by a refusal."""
from __future__ import annotations

import pytest

from arena.checks import parse_res, positive, writable_file, writable_folder
from arena.errors import ArenaError


def test_parse_res():
    assert parse_res("512x1024") == (512, 1024) and parse_res("720*960") == (720, 960)
    for bad, message in (("big", "is not HxW"), ("0x5", "must be positive")):
        with pytest.raises(ArenaError, match=message):
            parse_res(bad)


def test_positive():
    assert positive(3, "--seeds") == 3 and positive(None, "--iters") is None
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ArenaError, match="--seeds must be an integer >= 1"):
            positive(bad, "--seeds")


def test_writable_folder_refuses_a_file_and_creates_nothing_when_probing(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    with pytest.raises(ArenaError, match="cannot write results to .*afile: it is a file, not a folder"):
        writable_folder(afile)
    assert afile.read_text() == "keep me"
    with pytest.raises(ArenaError, match="cannot write the plot to .*sub"):
        writable_folder(afile / "sub", "the plot")
    assert writable_folder(tmp_path / "later", create=False) == tmp_path / "later"
    assert not (tmp_path / "later").exists()
    assert writable_folder(tmp_path / "new" / "dir").is_dir()


def test_writable_file_names_the_option_and_the_thing(tmp_path):
    with pytest.raises(ArenaError, match="cannot write the LaTeX table to /proc/nope.tex"):
        writable_file("/proc/nope.tex", "the LaTeX table", option="--latex")
    with pytest.raises(ArenaError, match="--out sheet.jpg must end in .png"):
        writable_file("sheet.jpg", "the contact sheet", ".png")
    with pytest.raises(ArenaError, match="it is a folder"):
        writable_file(tmp_path, "the table")


def test_writable_file_without_create_probes_and_makes_nothing(tmp_path):
    assert writable_file(tmp_path / "new" / "m.onnx", "the ONNX graph", ".onnx", create=False).name == "m.onnx"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ArenaError, match="cannot write the ONNX graph to /proc/x.onnx: .* with --onnx"):
        writable_file("/proc/x.onnx", "the ONNX graph", ".onnx", option="--onnx", create=False)
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    with pytest.raises(ArenaError, match=f"{afile} is a file, not a folder"):
        writable_file(afile / "deeper" / "m.onnx", "the ONNX graph", create=False)
    assert afile.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
