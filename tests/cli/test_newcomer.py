"""What a new user ran into on a fresh clone: each bad input is one line, a non-zero exit, nothing written.

Also the CLI as users meet it: `show BLOCK`, `--json` on every listing command, tables that are
not cut when piped, progress on stderr only, `--debug` anywhere on the line, help without types.
"""
from __future__ import annotations

import json

import pytest

from arena.networks import VARIANTS
from tests.helpers import one_line_error, run_cli





TINY = '''
def tiny(classes=3):
    x = downsampler.ltd(image, factor=8, out=OUT)
    return head.fcn(x, classes=classes)
'''


def tiny_file(tmp_path, out="16", name="tiny.arena"):
    path = tmp_path / name
    path.write_text(TINY.replace("OUT", out))
    return path


@pytest.mark.parametrize("args, message", [
    (["profile", "fast_scnn", "--classes", "0", "--no-save"], "classes must be an integer >= 1, got 0"),
    (["profile", "fast_scnn", "--classes", "-2", "--no-save"], "classes must be an integer >= 1, got -2"),
    (["show", "fast_scnn[classes=0]"], "fast_scnn parameter classes=0 must be >= 1"),
    (["show", "fast_scnn[classes=-5]"], "fast_scnn parameter classes=-5 must be >= 1"),
    (["show", "fast_scnn[classes=x]"], "fast_scnn parameter classes='x' must be an int"),
    (["show", "fanet18[final_align_corners=1]"], "final_align_corners=1 must be True or False"),
    (["show", "fanet18[upsampler=gai(iters=x)]"], "upsampler.gai keyword iters='x' must be an int"),
    (["show", "fanet18", "--swap", "upsampler=gai(iters=x)"], "upsampler.gai keyword iters='x' must be an int"),
    (["profile", "fast_scnn", "--res", "0x512", "--no-save"], "resolution '0x512' must be positive"),
    (["profile", "fast_scnn", "--res", "big", "--no-save"], "resolution 'big' is not HxW"),
    (["profile", "fast_scnn", "--max-memory", "0", "--no-save"], "--max-memory must be a positive number"),
    (["show", "gia"], "'gia' is neither a network nor a block: did you mean gap, gai, bga?"),
])
def test_bad_value_is_one_line(args, message):
    assert message in one_line_error(run_cli(*args))


@pytest.mark.parametrize("out, message", [
    ("0", "downsampler.ltd keyword out=0 must be >= 1"),
    ("-4", "downsampler.ltd keyword out=-4 must be >= 1"),
    ('"sixty-four"', "downsampler.ltd keyword out='sixty-four' must be an int (default out=64)"),
])
def test_bad_value_in_a_network_file_names_keyword_and_position(tmp_path, out, message):
    line = one_line_error(run_cli("show", tiny_file(tmp_path, out)))
    assert line.startswith("error: tiny.arena:3:") and message in line


def test_binary_file_and_folder_as_network_file(tmp_path):
    binary = tmp_path / "weights.arena"
    binary.write_bytes(b"\x80\x02\x00\xff" * 8)
    assert "is not a text network file" in one_line_error(run_cli("show", binary))
    folder = tmp_path / "dir.arena"
    folder.mkdir()
    assert "is a folder, not a network file" in one_line_error(run_cli("show", folder))


@pytest.mark.parametrize("kind", ["file", "unwritable"])
def test_unusable_out_refused_before_any_work(tmp_path, kind):
    if kind == "file":
        out = tmp_path / "afile"
        out.write_text("keep")
        message = "it is a file, not a folder"
    else:
        out = "/proc/nope"
        message = "cannot write results to /proc/nope"
    r = run_cli("profile", "fast_scnn", "--out", out)
    assert message in one_line_error(r)  # the table was not printed first: the line is the whole output
    if kind == "file":
        assert out.read_text() == "keep"


def test_show_block_lists_keywords_defaults_interface_and_paper():
    r = run_cli("show", "gai")
    assert r.exit_code == 0, r.output
    for text in ("upsampler.gai", "iters = 2", "an int", "interface: kept on a swap", "arXiv:2601.01167",
                 "blocks/upsamplers/gai.py"):
        assert text in r.output, text
    r = run_cli("show", "attention.ssam", "--json")
    data = json.loads(r.stdout)
    assert data["role"] == "attention" and {"dropout", "weighting"} <= {k["name"] for k in data["keywords"]}


def test_list_role_verbose_shows_keywords_and_files():
    r = run_cli("list", "upsampler", "-v")
    assert r.exit_code == 0
    assert "iters=2" in r.output and "blocks/upsamplers/gai.py" in r.output


@pytest.mark.parametrize("args", [["list"], ["list", "upsampler"], ["list", "nets"], ["show", "fast_scnn"],
                                  ["show", "gai"], ["swaps", "fast_scnn"], ["verify", "fast_scnn"]])
def test_every_listing_command_has_json(args):
    r = run_cli(*args, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)  # stdout alone is one JSON document: progress went to stderr


def test_piped_tables_are_not_cut():
    """CliRunner's stdout is not a terminal, like `arena verify | cat`: every column survives."""
    r = run_cli("verify", "fast_scnn")
    assert r.exit_code == 0, r.output
    header = next(line for line in r.stdout.splitlines() if "variant" in line)
    assert header.rstrip(" ┃│").endswith("match")
    row = next(line for line in r.stdout.splitlines() if line.lstrip("│ ").startswith("fast_scnn"))
    assert f"{VARIANTS['fast_scnn'].params:,}" in row and "docs/networks.md#fast-scnn" in row and "yes" in row


def test_debug_is_accepted_anywhere():
    for args in (["--debug", "show", "fast_scnx"], ["show", "fast_scnx", "--debug"], ["show", "--debug", "fast_scnx"]):
        r = run_cli(*args)
        assert r.exit_code != 0 and r.exception is not None, args


@pytest.mark.parametrize("command", ["list", "show", "profile", "verify", "swaps", "convert"])
def test_help_shows_no_internal_type_names(command):
    r = run_cli(command, "--help")
    assert r.exit_code == 0
    for internal in ("<str>", "<list[str]>", "<int>", "Optional", "NoneType", "TEXT", "INTEGER", "FLOAT"):
        assert internal not in r.output, (command, internal)


def test_no_help_or_doc_points_outside_the_repository():
    r = run_cli("list", "nets")
    assert "shared/specs" not in r.output and "docs/networks.md#" in r.output
