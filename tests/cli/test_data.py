"""`arena data synth` and `arena data show` through typer's CliRunner."""
import numpy as np

from arena.data import open_folder, render
from tests.helpers import run_cli




def test_synth_output_reads_back_as_cityscapes_with_the_generators_labels(tmp_path):
    r = run_cli("data", "synth", "--out", str(tmp_path / "cs"), "--n", "3", "--res", "48x96", "--seed", "7",
            "--split", "val")
    assert r.exit_code == 0, r.output
    assert f"wrote 3 val scenes at 48x96 to {tmp_path / 'cs'} (leftImg8bit/val, gtFine/val)" in r.output
    assert not (tmp_path / "cs" / "leftImg8bit" / "train").exists()
    ds = open_folder(f"cityscapes:{tmp_path / 'cs'}", "val")
    assert len(ds) == 3 and ds.pairs[2][0].name == "synth7_000002_000019_leftImg8bit.png"
    for i in range(3):
        image, label = ds.read(i)
        want_image, want_label = render(7, i, (48, 96), split="val")
        assert np.array_equal(label, want_label) and np.array_equal(image, want_image)


def test_synth_writes_train_and_val_that_train_reads_at_once(tmp_path):
    """The default writes both splits (val: a fifth of --n, at least 1), so --data cityscapes:DIR trains."""
    root = tmp_path / "cs"
    r = run_cli("data", "synth", "--out", str(root), "--n", "4", "--res", "64x128")
    assert r.exit_code == 0, r.output
    assert f"wrote 4 train and 1 val scenes at 64x128 to {root}" in r.output
    assert [len(open_folder(f"cityscapes:{root}", s)) for s in ("train", "val")] == [4, 1]
    image, _ = open_folder(f"cityscapes:{root}", "val").read(0)
    assert np.array_equal(image, render(0, 0, (64, 128), split="val")[0])  # val is its own scene stream
    r = run_cli("train", "fast_scnn", "--data", f"cityscapes:{root}", "--schedule", "smoke", "--iters", "2",
            "--out", str(tmp_path / "results"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "results" / "train.jsonl").read_text().count("\n") == 1


def test_synth_val_count_and_its_mistakes(tmp_path):
    r = run_cli("data", "synth", "--out", str(tmp_path / "a"), "--n", "11", "--n-val", "2", "--res", "32x64")
    assert r.exit_code == 0 and "wrote 11 train and 2 val scenes" in r.output, r.output
    for args, message in [(["--n-val", "0"], "--n-val must be an integer >= 1, got 0"),
                          (["--n", "0"], "--n must be an integer >= 1, got 0"),
                          (["--split", "val", "--n-val", "2"], "drop --n-val"),
                          (["--split", "test"], "--split 'test' is not train or val")]:
        r = run_cli("data", "synth", "--out", str(tmp_path / "b"), "--res", "32x64", *args)
        assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1, r.output
        assert not (tmp_path / "b").exists()


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
