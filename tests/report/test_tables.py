"""The results table: the DataFrame, markdown against a hand-written golden string, LaTeX escaping,
bold best cells, daggers, and a pdflatex compile (skipped only where pdflatex cannot be found)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from arena.errors import ArenaError
from arena.networks import VARIANTS
from arena.report import frames, table_format, tables
from tests.report import synth
from tests.helpers import one_line



@pytest.fixture()
def summary(tmp_path):
    return frames.summary(frames.load_rows(synth.study(tmp_path)))


@pytest.fixture()
def small(tmp_path):
    rows = [synth.profile("fast_scnn", VARIANTS["fast_scnn"].params, 1.7767), synth.bench("fast_scnn", 4.0),
            synth.profile("fast_scnn[upsampler=gai]", 1_192_532, 2.4904), synth.bench("fast_scnn[upsampler=gai]", 8.0)]
    rows += [synth.train("fast_scnn", m, s) for s, m in enumerate((0.54, 0.55, 0.56))]
    rows += [synth.train("fast_scnn[upsampler=gai]", m, s) for s, m in enumerate((0.57, 0.59, 0.58))]
    return frames.summary(frames.load_rows(synth.write(tmp_path, rows)))


# By hand: per-seed deltas 3, 4, 2 points: mean 3, sd 1, t(0.975, 2) = 4.3027, half-width 2.48 -> [+0.5, +5.5];
# t = 3 / (1 / sqrt 3) = 5.196, two-sided p (df 2, closed form 1 - t / sqrt(2 + t^2)) = 0.035 < 0.05: higher
# (one comparison: Holm changes nothing). The paired test separates 58.0 from 55.0: bold.


GOLDEN = """\
| Method | Backbone | Resolution | Params (M) | GMACs | FPS | Device | mIoU | Δ mIoU | Verdict |
|---|---|---|---:|---:|---:|---|---:|---:|---|
| `fast_scnn` | LtD + GFE | 512x1024 | **1.14** | **1.78** | **250.0** | NVIDIA H200 | 55.0 ± 2.5 | – | – |
| `fast_scnn[upsampler=gai]` | LtD + GFE | 512x1024 | 1.19 | 2.49 | 125.0 | NVIDIA H200 | **58.0 ± 2.5** | +3.0 [+0.5, +5.5] | higher |
| Fast-SCNN † | LtD + GFE | 1024x2048 | 1.11 | – | 123.5 | Titan Xp | 68.0 | – | – |
"""


def test_markdown_against_golden(small):
    df = tables.table(small, published=True)
    assert table_format.to_markdown(df, notes=False) == GOLDEN
    notes = table_format.to_markdown(df).split(GOLDEN, 1)[1]
    assert "GFLOPs = 2 × GMACs" in notes and "NVIDIA H200, fp32, eager, batch 1" in notes
    assert "† published" in notes and "paper (arXiv:1902.04502)" in notes
    assert "Measured rows: synthetic; published rows: cityscapes" in notes  # both datasets named


def test_table_frame_numbers(small):
    df = tables.table(small)
    assert list(df["Method"]) == ["fast_scnn", "fast_scnn[upsampler=gai]"]
    assert df["Δ mIoU"].iloc[1] == pytest.approx(3.0) and df["Seeds"].tolist() == [3, 3]
    assert df["FPS"].tolist() == [250.0, 125.0] and not df["Published"].any()


def test_latex_escapes_bolds_and_daggers(summary):
    tex = table_format.to_latex(tables.table(summary, published=True), caption="Speed & accuracy", label="tab:main")
    assert r"\texttt{fanet18[upsampler=gai]}" in tex and r"\texttt{fast\_scnn[upsampler=gai]}" in tex
    assert r"\texttt{fast\_scnn}" in tex and "fast_scnn" not in tex
    assert r"\textbf{0.61}" in tex and r"\textbf{0.90}" in tex and r"\textbf{500.0}" in tex  # sgcpnet: min, min, max
    # the best mIoU (58.0) over the runner-up (fanet18[upsampler=gai], 57.0): per-seed deltas 1, 1, 1 have
    # no spread, a degenerate comparison, no verdict-grade evidence: not bold, and the footnote says why
    assert r"\textbf{58.0" not in tex and "No bold mIoU: best vs runner-up: degenerate" in tex
    assert tex.count(r"$^{\dagger}$") == 3 and r"\dag{} published" in tex  # SGCPNet, Fast-SCNN, FANet-18
    assert r"$\Delta$ mIoU" in tex and r"mIoU (\%)" in tex and r"Speed \& accuracy" in tex
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert "GFLOPs = 2 $\\times$ GMACs" in tex


def test_escape_latex_every_special_character():
    assert table_format.escape_latex(r"a%b_c#d&e{f}g~h^i\j$k") == (
        r"a\%b\_c\#d\&e\{f\}g\textasciitilde{}h\textasciicircum{}i\textbackslash{}j\$k")
    assert table_format.escape_latex("[x]") == "{[x]}"


def test_group_by_swap(summary):
    df = tables.table(summary, group_by="swap")
    assert list(df["Group"]) == ["base"] * 3 + ["upsampler=gai"] * 2
    tex = table_format.to_latex(df)
    assert r"\multicolumn{10}{l}{\emph{upsampler=gai}}" in tex and r"\emph{base}" in tex


def test_column_no_row_has_is_one_line(tmp_path):
    rows = [synth.profile("sgcpnet", VARIANTS["sgcpnet"].params, 0.9), synth.train("sgcpnet", 0.5, 0)]
    summary = frames.summary(frames.load_rows(synth.write(tmp_path, rows)))
    assert "FPS" not in tables.table(summary).columns  # left out of the default columns
    with pytest.raises(ArenaError) as e:
        tables.table(summary, columns=["Method", "FPS"])
    assert "no row has FPS" in one_line(e) and "arena bench" in str(e.value)
    with pytest.raises(ArenaError) as e:
        table_format.to_latex(tables.table(summary), columns=["Latency (ms)"])
    assert "no row has Latency (ms)" in one_line(e)
    with pytest.raises(ArenaError) as e:
        tables.table(summary, columns=["Speed"])
    assert "choose from" in one_line(e)


def test_mixed_devices_refused_in_a_table(tmp_path):
    folder = synth.study(tmp_path)
    synth.write(folder, [synth.bench("sgcpnet", 5.0, env=synth.GPU2)])
    summary = frames.summary(frames.load_rows(folder))
    with pytest.raises(ArenaError) as e:
        tables.table(summary)
    assert "--device" in one_line(e) and "--allow-mixed" in str(e.value)
    assert len(tables.table(summary, device="H200")) == 5


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not found (apt-get install "
                    "texlive-latex-recommended texlive-latex-extra)")
def test_latex_compiles_with_pdflatex(summary, tmp_path):
    df = tables.table(summary, published=True)
    df.loc[0, "Device"] = r"GPU_#1 & 50% {x} ~y ^z \w"  # every special character, in a cell
    tex = table_format.to_latex(df, caption="Results: 100% of ~5 nets_#1", standalone=True)
    (tmp_path / "t.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_two_settings_of_one_schedule_name_are_two_lines_never_averaged(tmp_path):
    """The same network at 120 and at 240 demo iterations: one line each, the field named, --setting picks."""
    rows = [synth.train("fast_scnn", m, s, iters=240) for s, m in enumerate((0.50, 0.52, 0.54))]
    rows += [synth.train("fast_scnn", m, s, iters=120) for s, m in enumerate((0.20, 0.22, 0.24))]
    summary = frames.summary(frames.load_rows(synth.write(tmp_path, rows)))
    df = tables.table(summary)
    assert sorted(df["mIoU"].tolist()) == pytest.approx([22.0, 52.0])  # never 37.0
    assert "Setting" in df.columns and df["Setting"].nunique() == 2
    # named by value, the hash only as a suffix for --setting
    labels = sorted(df["Setting"])
    assert labels[0].startswith("iters=120 (") and labels[1].startswith("iters=240 (")
    notes = "\n".join(table_format.footnotes(df))
    assert "differing in schedule.iters: " in notes and labels[0] in notes and labels[1] in notes
    one = df["_setting"].iloc[0]
    assert df["Setting"].iloc[0].endswith(f"({one})")
    picked = tables.table(summary, setting=one[:6])
    assert len(picked) == 1 and picked["mIoU"].iloc[0] == df["mIoU"].iloc[0]
    with pytest.raises(ArenaError) as e:
        tables.table(summary, setting="ffffff")
    assert "no rows for --setting ffffff" in one_line(e) and one in str(e.value)


def test_bold_only_when_separated(tmp_path):
    """58.0 over 57.7 from seeds that overlap (Welch's p well above 0.05): no bold, and the footnote says why."""
    rows = [synth.train("fast_scnn", m, s) for s, m in enumerate((0.55, 0.58, 0.61))]
    rows += [synth.train("sgcpnet", m, s + 10) for s, m in enumerate((0.56, 0.577, 0.594))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    md = table_format.to_markdown(df)
    assert "**" not in md and "No bold in a column: the best is not separated" in md


def test_delta_must_be_positive(summary):
    with pytest.raises(ArenaError) as e:
        tables.table(summary, delta=0)
    assert "--delta must be positive" in one_line(e)


def test_bold_compares_rows_of_one_setting_only(tmp_path):
    """fast_scnn at 240 iterations (52.0) is separated from fast_scnn at 120 (51.4; deltas 0.6, 0.5,
    0.65, another setting), but within its own setting not from sgcpnet (51.0; deltas -1, 3, 1:
    p = 0.46): nothing bold. Today's code ranked the two settings together and bolded 52.0."""
    rows = [synth.train("fast_scnn", m, s, iters=240) for s, m in enumerate((0.50, 0.52, 0.54))]
    rows += [synth.train("sgcpnet", m, s, iters=240) for s, m in enumerate((0.51, 0.49, 0.53))]
    rows += [synth.train("fast_scnn", m, s, iters=120) for s, m in enumerate((0.494, 0.515, 0.5335))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    assert "**" not in table_format.to_markdown(df, notes=False)


def test_bold_within_a_setting_when_the_paired_test_separates(tmp_path):
    """Two settings, each with two networks: in one, fast_scnn beats sgcpnet by 10, 11, 12 points
    (t = 11 / (1 / sqrt 3) = 19.1, p = 0.003; Holm over the two settings' contests: 0.006): bold; in
    the other the deltas are 0.5, -0.5, 1 (p = 0.47): not bold."""
    rows = [synth.train("fast_scnn", m, s, iters=240) for s, m in enumerate((0.60, 0.62, 0.64))]
    rows += [synth.train("sgcpnet", m, s, iters=240) for s, m in enumerate((0.50, 0.51, 0.52))]
    rows += [synth.train("fast_scnn", m, s, iters=120) for s, m in enumerate((0.205, 0.215, 0.25))]
    rows += [synth.train("sgcpnet", m, s, iters=120) for s, m in enumerate((0.20, 0.22, 0.24))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    bold = [(m, s) for m, s, b in zip(df["Method"], df["Setting"], df["_bold_miou"]) if b]
    assert len(bold) == 1 and bold[0][0] == "fast_scnn" and bold[0][1].startswith("iters=240")


def test_two_seeds_give_no_bold_and_the_footnote_says_why(tmp_path):
    """Two seeds whose paired deltas (10, 10.5) a one-degree-of-freedom t-test calls separated
    (t = 10.25 / 0.25 = 41, p = 0.016; the old rule bolded on it): two seeds give no verdict, so no bold."""
    rows = [synth.train("fast_scnn", m, s) for s, m in enumerate((0.60, 0.625))]
    rows += [synth.train("sgcpnet", m, s) for s, m in enumerate((0.50, 0.52))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    md = table_format.to_markdown(df)
    assert "**" not in md.split("\n\n")[0]
    assert "shares 2 seed(s) with its runner-up; bold needs 3 or more" in md


def test_zero_spread_is_degenerate_never_equivalent(tmp_path):
    """A collapsed smoke run: base and hybrid score the same at every seed (deltas 0, 0, 0). Today's
    code printed 'equivalent within ±1' (TOST p set to 0 by convention)."""
    rows = [synth.train("fast_scnn", 0.10, s) for s in range(3)]
    rows += [synth.train("fast_scnn[upsampler=gai]", 0.10, s) for s in range(3)]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    verdict = df.loc[df["Method"] == "fast_scnn[upsampler=gai]", "Verdict"].iloc[0]
    assert verdict == "degenerate: every seed gave Δ = +0.00"
    assert df.attrs["comparisons"] == 0  # not in the Holm family


def test_identical_nonzero_deltas_are_degenerate_never_higher(tmp_path):
    """Deltas 2, 2, 2 (to rounding): today's code set p = 0 and said 'higher'."""
    rows = [synth.train("fast_scnn", m, s) for s, m in enumerate((0.50, 0.51, 0.52))]
    rows += [synth.train("fast_scnn[upsampler=gai]", m, s) for s, m in enumerate((0.52, 0.53, 0.54))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    verdict = df.loc[df["Method"] == "fast_scnn[upsampler=gai]", "Verdict"].iloc[0]
    assert verdict == "degenerate: every seed gave Δ = +2.00"
    assert "**" not in table_format.to_markdown(df, notes=False)


def test_both_at_chance_is_said_not_compared(tmp_path):
    """Both sides predict one class (every per-class IoU but one is 0) at every seed: 'both at chance',
    whatever the deltas."""
    def chance(spec, road, seed):
        row = synth.train(spec, road / 3, seed)
        row["metrics"]["iou"] = {"road": road, "car": 0.0, "sky": 0.0}
        return row
    rows = [chance("fast_scnn", v, s) for s, v in enumerate((0.30, 0.36, 0.33))]
    rows += [chance("fast_scnn[upsampler=gai]", v, s) for s, v in enumerate((0.40, 0.41, 0.45))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    assert df.loc[df["Method"] == "fast_scnn[upsampler=gai]", "Verdict"].iloc[0] == "both at chance"
    assert df.attrs["comparisons"] == 0


def test_a_nan_miou_is_skipped_and_named(tmp_path):
    """An imported row with mIoU NaN is left out of the means and named in the footnote."""
    rows = [synth.train("fast_scnn", m, s) for s, m in enumerate((0.50, 0.51, 0.52))]
    rows.append(synth.train("fast_scnn", float("nan"), 3))
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    assert df["mIoU"].iloc[0] == pytest.approx(51.0) and df.attrs["skipped"] == ["fast_scnn seed 3"]
    assert "Left out (no finite mIoU): fast_scnn seed 3." in table_format.to_markdown(df)


def test_a_single_setting_table_states_its_schedule(tmp_path):
    """Today the footnote said 'demo schedule on synthetic', never how many iterations."""
    rows = [synth.train("fast_scnn", m, s, iters=240) for s, m in enumerate((0.50, 0.52, 0.54))]
    df = tables.table(frames.summary(frames.load_rows(synth.write(tmp_path, rows))))
    assert "mIoU (%): demo schedule (240 iterations of batch 4, crop 128x256) on synthetic" in \
        "\n".join(table_format.footnotes(df))
