"""A bug inside a block is reported as an internal error in that block, never as a user mistake."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

import arena
from arena.cli import app
from arena.errors import ArenaError, BlockInternalError
from blocks.registry import get


def _boom(*args, **kwargs):
    raise RuntimeError("injected failure")


def _run(*args):
    return CliRunner().invoke(app, list(args))


def _internal_line(r):
    assert r.exit_code == 3, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    assert "a bug, not a mistake in your input" in lines[0] and "--debug" in lines[0]
    return lines[0]


def test_exception_in_a_block_forward(monkeypatch):
    monkeypatch.setattr(get("upsampler", "bilinear"), "forward", _boom)
    line = _internal_line(_run("profile", "fast_scnn", "--no-save"))
    assert "internal error in block upsampler.bilinear: RuntimeError: injected failure" in line


def test_exception_in_a_block_constructor(monkeypatch):
    monkeypatch.setattr("blocks.layers.ConvBNAct.__init__", _boom)  # a helper every stem uses
    line = _internal_line(_run("show", "fast_scnn"))
    assert "internal error in block downsampler.ltd (node 'x8', fast_scnn.arena:" in line
    assert "RuntimeError: injected failure" in line


def test_a_type_error_inside_a_block_is_not_a_user_mistake(monkeypatch):
    """Before: TypeError/KeyError from block code were reported as if the user had erred."""
    def bad_init(self, *args, **kwargs):
        {}["missing"]

    monkeypatch.setattr("blocks.layers.ConvBNAct.__init__", bad_init)
    with pytest.raises(BlockInternalError) as e:
        arena.build("fast_scnn")
    assert not isinstance(e.value, ArenaError) and isinstance(e.value.__cause__, KeyError)


def test_debug_shows_the_frame_inside_the_block(monkeypatch):
    monkeypatch.setattr(get("upsampler", "bilinear"), "forward", _boom)
    r = _run("profile", "fast_scnn", "--no-save", "--debug")
    assert isinstance(r.exception, RuntimeError) and "injected failure" in str(r.exception)
