"""`arena data synth` and `arena data show` through typer's CliRunner."""
import numpy as np

from arena.data import open_folder, render
from tests.helpers import run_cli




def test_synth_output_reads_back_as_cityscapes_with_the_generators_labels(tmp_path):
    r = run_cli("data", "synth", "--out", str(tmp_path / "cs"), "--n", "3", "--res", "48x96", "--seed", "7",
            "--split", "val")
    assert r.exit_code == 0, r.output
    assert f"wrote 3 scenes at 48x96 to {tmp_path / 'cs'}" in r.output
    ds = open_folder(f"cityscapes:{tmp_path / 'cs'}", "val")
    assert len(ds) == 3 and ds.pairs[2][0].name == "synth7_000002_000019_leftImg8bit.png"
    for i in range(3):
        image, label = ds.read(i)
        want_image, want_label = render(7, i, (48, 96), split="val")
        assert np.array_equal(label, want_label) and np.array_equal(image, want_image)


def test_synth_refuses_a_bad_out_in_one_line(tmp_path):
    target = tmp_path / "a_file"
    target.write_text("x")
    r = run_cli("data", "synth", "--out", str(target), "--n", "2")
    assert r.exit_code == 2
    assert r.output.strip() == f"error: cannot write the dataset to {target}: it is a file, not a folder (pass a folder with --out)"
    r = run_cli("data", "synth", "--out", str(tmp_path / "x"), "--res", "big")
    assert r.exit_code == 2 and r.output.strip().startswith("error: resolution 'big' is not HxW")


def test_show_writes_a_png(tmp_path):
    out = tmp_path / "sheet.png"
    r = run_cli("data", "show", "--n", "2", "--res", "32x64", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert r.output.strip() == f"wrote {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_of_a_missing_dataset_is_one_line_with_the_layout(tmp_path):
    r = run_cli("data", "show", "--data", f"cityscapes:{tmp_path / 'none'}", "--out", str(tmp_path / "s.png"))
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cityscapes: no folder {tmp_path / 'none'}; expected")
    assert "ROOT/leftImg8bit/{train,val,test}/<city>/<name>_leftImg8bit.png" in lines[0]


def test_show_of_a_camvid_tree(tmp_path):
    from tests.data.conftest import camvid_tree

    root = camvid_tree(tmp_path / "camvid", splits=("val",))
    r = run_cli("data", "show", "--data", f"camvid:{root}", "--split", "val", "--n", "2", "--out", str(tmp_path / "c.png"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c.png").stat().st_size > 0
