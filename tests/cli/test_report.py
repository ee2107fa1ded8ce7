"""arena pareto / arena table through the CLI: good paths on synthetic rows, each bad input one line."""
from __future__ import annotations

import pytest

from tests.report import synth
from tests.helpers import one_line_error, run_cli




def test_pareto_writes_three_formats_and_prints_the_front(tmp_path):
    folder = synth.study(tmp_path / "rows")
    r = run_cli("pareto", folder, "--out", tmp_path / "plots")
    assert r.exit_code == 0, r.output
    for ext in ("png", "pdf", "svg"):
        assert (tmp_path / "plots" / f"pareto_latency_miou.{ext}").stat().st_size > 0
    assert "fast_scnn[upsampler=gai]" in r.output and "non-dominated front" in r.output


def test_table_markdown_and_latex(tmp_path):
    folder = synth.study(tmp_path / "rows")
    r = run_cli("table", folder, "--markdown")
    assert r.exit_code == 0 and "| Method" in r.stdout and "fanet18[upsampler=gai]" in r.stdout
    r = run_cli("table", folder, "--latex", tmp_path / "t.tex")
    assert r.exit_code == 0, r.output
    assert r"\texttt{fanet18[upsampler=gai]}" in (tmp_path / "t.tex").read_text()


def test_bad_inputs(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no result rows in" in one_line_error(run_cli("pareto", empty))
    assert "does not exist" in one_line_error(run_cli("pareto", tmp_path / "missing"))
    mixed = synth.write(tmp_path / "mixed", [synth.bench("fast_scnn", 4.0), synth.bench("sgcpnet", 3.0, env=synth.GPU2),
                                              synth.train("fast_scnn", 0.5, 0), synth.train("sgcpnet", 0.4, 0)])
    line = one_line_error(run_cli("pareto", mixed, "--out", tmp_path / "p"))
    assert "--allow-mixed" in line and "NVIDIA L4" in line
    costs = synth.write(tmp_path / "costs", [synth.bench("fast_scnn", 4.0)])
    assert "arena train" in one_line_error(run_cli("pareto", costs, "--out", tmp_path / "p"))
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    line = one_line_error(run_cli("pareto", synth.study(tmp_path / "rows"), "--out", blocker / "plots"))
    assert "cannot write the plot" in line and blocker.read_text() == "a file"
    line = one_line_error(run_cli("table", costs, "--columns", "Method,mIoU"))
    assert "mIoU" in line
    assert not (tmp_path / "p").exists()


@pytest.mark.slow
def test_demo_runs_and_reuses_its_rows(tmp_path, monkeypatch):
    from arena.report import demo

    monkeypatch.setattr(demo, "ITERS", 2)
    monkeypatch.setattr(demo, "RES", (128, 256))
    first = demo.run_demo(tmp_path / "d", threads=2)
    assert first["runs"][1]["rows_written"] > 0 and {"fast_scnn", "sgcpnet"} == set(first["trained"])
    assert all(p.exists() for p in first["pareto"].paths) and (tmp_path / "d" / "table.tex").is_file()
    again = demo.run_demo(tmp_path / "d", threads=2)
    assert all(r["to_run"] == 0 for r in again["runs"])  # a second run only redraws the reports


def test_the_terminal_table_keeps_markup_like_names(tmp_path):
    """The footnotes name `fast_scnn[upsampler=gai]`: today rich read `[upsampler=gai]` as markup and
    printed the hybrid's per-seed deltas under the base network's name."""
    folder = synth.study(tmp_path / "rows")
    r = run_cli("table", folder)
    assert r.exit_code == 0, r.output
    assert "fast_scnn[upsampler=gai]: +3.00" in r.stdout.replace("\n", " ")


def test_rank_keeps_markup_like_names(tmp_path):
    rows = []
    for iters in (120, 240):
        for spec, m in (("fast_scnn", 0.5), ("fast_scnn[upsampler=gai]", 0.6), ("sgcpnet", 0.4)):
            rows += [synth.train(spec, m + 0.01 * seed + iters / 1e4, seed, iters=iters) for seed in range(2)]
    r = run_cli("rank", synth.write(tmp_path / "rows", rows))
    assert r.exit_code == 0, r.output
    assert "fast_scnn[upsampler=gai]" in r.stdout


def test_demo_prints_one_plain_line_per_step_when_stderr_is_no_terminal(monkeypatch):
    """Today the transient bar printed nothing at all when stderr was a file or a pipe."""
    from arena.cli.render import results as render_results
    from arena.report import demo

    def fake(out, threads=None, on_progress=None):
        for i, what in enumerate(("profile fast_scnn", "train fast_scnn seed 0")):
            on_progress(i, 2, what)
        raise SystemExit(0)  # the report itself is not what this test is about

    monkeypatch.setattr(demo, "run_demo", fake)
    monkeypatch.setattr(render_results, "demo_report", lambda o: [])
    r = run_cli("demo")
    assert "demo [1/2] profile fast_scnn" in r.stderr and "demo [2/2] train fast_scnn seed 0" in r.stderr
