"""The CLI through typer's CliRunner: good paths print what they promise, bad inputs one line and exit 2."""
import subprocess
import sys

import pytest

from arena.networks import VARIANTS
from tests.helpers import run_cli




def test_version():
    from arena import __version__
    r = run_cli("--version")
    assert r.exit_code == 0 and r.output.strip() == f"arena {__version__}"


def test_show_fast_scnn_prints_graph_and_totals():
    r = run_cli("show", "fast_scnn")
    assert r.exit_code == 0, r.output
    assert "downsampler.ltd" in r.output and "fusion.ffm" in r.output
    assert f"inference {VARIANTS['fast_scnn'].params:,}" in r.output and "total 1,194,473" in r.output


def test_show_names_the_deepest_stride_and_the_logits_stride():
    r = run_cli("show", "segformer_b0")  # specs/segformer.md: MiT reaches 1/32, the all-MLP head predicts at 1/4
    assert r.exit_code == 0, r.output
    assert "output stride 32 (deepest feature; logits at 1/4)" in r.output


def test_show_prints_block_arguments_as_written_in_the_net_file():
    r = run_cli("show", "s2fpn18")  # s2fpn.arena: fusion.apf(..., spatial=attention.ssam, channel=attention.crb)
    assert r.exit_code == 0, r.output
    assert "spatial=attention.ssam, channel=attention.crb" in r.output and "BlockExpr" not in r.output


def test_show_with_swap_reports_it():
    r = run_cli("show", "fast_scnn", "--swap", "upsampler=nearest")
    assert r.exit_code == 0, r.output
    assert "swapped up: upsampler.bilinear -> upsampler.nearest" in r.output
    assert "fast_scnn[upsampler=nearest]" in r.output


def test_show_user_file(tmp_path):
    path = tmp_path / "mine.arena"
    path.write_text("def mine(classes=3):\n    x = downsampler.ltd(image, factor=8, out=16)\n"
                    "    return head.fcn(x, classes=classes)\n")
    r = run_cli("show", str(path))
    assert r.exit_code == 0, r.output
    assert "mine.arena:mine" in r.output


def test_list_blocks_and_roles():
    r = run_cli("list", "upsampler")
    assert r.exit_code == 0
    assert "bilinear" in r.output and "gai" in r.output and "ltd" not in r.output


def test_list_nets_shows_every_variant():
    import arena
    r = run_cli("list", "nets")
    assert r.exit_code == 0
    for name in arena.list_nets():
        assert name in r.output
    assert f"{VARIANTS['fast_scnn'].params:,}" in r.output


@pytest.mark.parametrize("args, message", [
    (["show", "fast_scnx"], "unknown network 'fast_scnx' (did you mean fast_scnn"),
    (["show", "fast_scnn", "--swap", "upsampler=gia"], "unknown upsampler block 'gia': did you mean gai?"),
    (["show", "fast_scnn", "--swap", "attention=se"], "fast_scnn has no attention block"),
    (["show", "fast_scnn", "--swap", "nonsense"], "bad item 'nonsense'"),
    (["show", "fast_scnn[clases=3]"], "is not a parameter of fast_scnn"),
    (["show", "missing.arena"], "no such network file: missing.arena"),
    (["list", "upsamplers"], "unknown role 'upsamplers': did you mean upsampler"),
])
def test_bad_inputs_one_line_exit_2(args, message):
    r = run_cli(*args)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    assert message in lines[0]
    assert "Traceback" not in r.output


def test_bad_file_reports_position(tmp_path):
    path = tmp_path / "bad.arena"
    path.write_text("def bad(classes=3):\n    x = downsampler.ltd(image, factor=8, outt=16)\n"
                    "    return head.fcn(x, classes=classes)\n")
    r = run_cli("show", str(path))
    assert r.exit_code == 2
    assert r.output.strip() == ("error: bad.arena:2:42: downsampler.ltd has no keyword 'outt' "
                                "(did you mean out? its keywords are factor, out, widths, dw_act)")


def test_debug_shows_traceback():
    r = run_cli("--debug", "show", "fast_scnx")
    assert r.exit_code != 0 and r.exception is not None


def test_help_does_not_import_torch():
    code = "import sys; from arena.cli import app; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    out = subprocess.run([sys.executable, "-m", "arena.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "show" in out.stdout
