"""A damaged results store: every report reads what it can, skips each bad line with one warning
naming file:line, says how many it skipped, and never ends as an internal error (exit 3).

The property test writes arbitrary bytes, lines and JSON values (alone, or in place of a good row's
fields) into a results folder and runs `table`, `pareto`, `rank` and `ablate --dry-run` over it:
exit 0 or 2, never 3, never a traceback, the folder unchanged."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from arena.cli import app
from tests.report import synth


def _store(folder: Path) -> Path:
    rows = [synth.profile("fast_scnn", 1_100_000, 0.9, res=(64, 128)),
            synth.profile("fast_scnn[upsampler=gai]", 1_200_000, 1.0, res=(64, 128)),
            synth.bench("fast_scnn", 5.0, res=(64, 128), env=synth.CPU),
            synth.bench("fast_scnn[upsampler=gai]", 6.0, res=(64, 128), env=synth.CPU)]
    rows += [synth.train(s, m + seed / 100, seed) for s, m in (("fast_scnn", 0.40), ("fast_scnn[upsampler=gai]", 0.42))
             for seed in range(2)]
    rows += [synth.train(s, m + seed / 100, seed, schedule="smoke") for s, m in (("fast_scnn", 0.30),
                                                                               ("fast_scnn[upsampler=gai]", 0.2))
             for seed in range(2)]
    return synth.write(folder, rows)


COMMANDS = {
    "table": lambda d, o: ["table", d],
    "pareto": lambda d, o: ["pareto", d, "--out", o, "--allow-mixed"],
    "rank": lambda d, o: ["rank", d],
    "ablate": lambda d, o: ["ablate", "--swap", "upsampler=gai", "--nets", "fast_scnn", "--seeds", "2", "--schedule",
                            "smoke", "--dry-run", "--out", d],
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _clean(r, folder: Path, before: dict[str, bytes]) -> None:
    assert r.exit_code in (0, 2), r.output
    assert "Traceback" not in r.output and "internal error" not in r.output, r.output
    assert _snapshot(folder) == before


@pytest.fixture(autouse=True)
def _no_probe(monkeypatch):
    """Plans are estimated from a fixed probe: these tests are about reading, not timing."""
    figures = {"train_fixed": 0.0, "train_per_px": 1e-7, "forward_fixed": 0.0, "forward_per_px": 3e-8}
    monkeypatch.setattr("arena.studies.estimate.probe", lambda *a, **k: figures)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return _store(tmp_path_factory.mktemp("store"))


def _with(good: Path, tmp: Path, lines: list[bytes], name: str = "train.jsonl") -> Path:
    folder = tmp / "r"
    folder.mkdir(parents=True, exist_ok=True)
    for path in good.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    with open(folder / name, "ab") as f:
        f.write(b"".join(line + b"\n" for line in lines))
    return folder


def _good_row(good: Path) -> dict:
    return json.loads((good / "train.jsonl").read_text().splitlines()[0])


DAMAGE = {  # the issue's own lines, each exit 3 before
    "not utf-8": b'{"kind": "train", "spec": "fast_scnn\xff\xfe", "metrics": {"miou": 0.5}}',
    "spec a list": json.dumps({"kind": "train", "spec": ["fast_scnn"], "metrics": {"miou": 0.5}}).encode(),
    "100,000 deep": b"[" * 100_000 + b"]" * 100_000,
    "mathtext spec": None,  # filled from a good row below
    "no spec": json.dumps({"kind": "train", "metrics": {"miou": 0.99}}).encode(),
    "no metrics": json.dumps({"kind": "train", "spec": "fast_scnn", "seed": 5}).encode(),
    "miou a string": None,
    "setting id a list": None,
}


SOUND = {"mathtext spec", "setting id a list"}  # usable rows: drawn as plain text; the setting recomputed


def _damage(good: Path, name: str) -> bytes:
    row = _good_row(good)
    if name == "mathtext spec":
        return json.dumps({**row, "spec": "$x^{2$", "network": "$\\frac{a}{b}$", "seed": 7}).encode()
    if name == "miou a string":
        return json.dumps({**row, "metrics": {"miou": "high"}}).encode()
    if name == "setting id a list":
        return json.dumps({**row, "setting": {"id": [1, 2]}}).encode()
    return DAMAGE[name]


QUICK = {("pareto", "mathtext spec"), ("pareto", "not utf-8"), ("rank", "spec a list"), ("ablate", "100,000 deep")}
MATRIX = [pytest.param(c, d, marks=() if c == "table" or (c, d) in QUICK else pytest.mark.slow)
          for c in sorted(COMMANDS) for d in sorted(DAMAGE)]


@pytest.mark.parametrize(("command", "damage"), MATRIX)
def test_each_damaged_line_is_skipped_with_one_warning(good, tmp_path, command, damage):
    folder = _with(good, tmp_path, [_damage(good, damage)])
    before = _snapshot(folder)
    r = CliRunner().invoke(app, [str(a) for a in COMMANDS[command](folder, tmp_path / "plot")])
    _clean(r, folder, before)
    if damage not in SOUND and command != "ablate":  # ablate reads only its own jobs, quietly
        warned = [line for line in r.output.splitlines() if "train.jsonl:9: damaged result row skipped" in line]
        assert len(warned) == 1 and warned[0].startswith("warning: "), r.output
        assert "1 damaged line(s) skipped in all" in r.output


def test_a_row_without_metrics_no_longer_changes_a_mean(good, tmp_path):
    """Before: a row without spec/metrics was dropped silently (or counted), changing a mean."""
    plain = CliRunner().invoke(app, ["table", str(good), "--markdown", "--schedule", "demo"])
    folder = _with(good, tmp_path, [_damage(good, "no spec"), _damage(good, "no metrics")])
    damaged = CliRunner().invoke(app, ["table", str(folder), "--markdown", "--schedule", "demo"])
    assert plain.exit_code == damaged.exit_code == 0
    assert plain.stdout.replace(str(good), "") == damaged.stdout.replace(str(folder), "")
    assert "2 damaged line(s) skipped" in damaged.output


FAILURE_LINES = [b"\xff\xfe", b"[", b"[]", b'{"keys": 3}', b'{"keys": [[1]]}', b"[" * 50_000,
                 b'{"keys": ["a"], "error": {"x": 1}}']


def test_a_damaged_failure_log_is_skipped_in_dry_runs_and_retries(tmp_path):
    """Before: each of these lines ended `run --dry-run` and `--retry-failed` in exit 3."""
    from tests.studies.test_study import EXPERIMENTS

    out = tmp_path / "o"
    out.mkdir()
    log = b"".join(line + b"\n" for line in FAILURE_LINES)
    (out / "failures.jsonl").write_bytes(log)
    for extra in ([], ["--retry-failed"]):
        r = CliRunner().invoke(app, ["run", str(EXPERIMENTS / "smoke.toml"), "--dry-run", "--out", str(out), *extra])
        assert r.exit_code == 0 and "Traceback" not in r.output, r.output
        for n in range(1, len(FAILURE_LINES) + 1):
            assert f"failures.jsonl:{n}: damaged failure record skipped" in r.output, r.output
    assert (out / "failures.jsonl").read_bytes() == log


def test_clearing_retried_failures_keeps_damaged_lines(tmp_path):
    from arena.store import Store

    good = json.dumps({"keys": ["k1"], "error": "boom"}).encode()
    (tmp_path / "failures.jsonl").write_bytes(b"\xff{\n" + good + b"\n")
    Store(tmp_path).clear_failures({"k1"})
    assert (tmp_path / "failures.jsonl").read_bytes() == b"\xff{\n"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)
FIELDS = ("kind", "spec", "network", "seed", "metrics", "protocol", "setting", "schedule", "dataset", "time",
          "overrides", "swaps", "schema", "environment")


@st.composite
def _lines(draw, good_row: dict):
    kind = draw(st.sampled_from(["bytes", "json", "row"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60).filter(lambda b: b"\n" not in b))
    if kind == "json":
        return json.dumps(draw(JSON)).encode()
    row = dict(good_row)
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3, unique=True)):
        if draw(st.booleans()):
            row[field] = draw(JSON)
        else:
            row.pop(field, None)
    return json.dumps(row, default=str).encode()


def _property(good: Path, tmp: Path, examples: int):
    row = _good_row(good)

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(lines=st.lists(_lines(row), min_size=1, max_size=4), command=st.sampled_from(sorted(COMMANDS)),
           name=st.sampled_from(["train.jsonl", "bench.jsonl", "profile.jsonl", "extra.jsonl", "failures.jsonl"]))
    def check(lines, command, name):
        import shutil

        shutil.rmtree(tmp / "r", ignore_errors=True)
        folder = _with(good, tmp, lines, name)
        before = _snapshot(folder)
        r = CliRunner().invoke(app, [str(a) for a in COMMANDS[command](folder, tmp / "plot")])
        _clean(r, folder, before)

    check()


def test_arbitrary_lines_never_crash_a_report_quick(good, tmp_path):
    _property(good, tmp_path, 12)


@pytest.mark.slow
def test_arbitrary_lines_never_crash_a_report(good, tmp_path):
    _property(good, tmp_path, 150)
