"""Side-by-side modes and the shuffled round order, in the library: the product of repeated options,
labels and groups, ratios to each group's first case, and a per-round order reproducible from its seed.
Timings come from injected timers; nothing is timed."""
from __future__ import annotations

import pytest

from arena.measure import bench, modes
from arena.measure.bench import Case, PreparedCase, Protocol

TINY = dict(iters=3, warmup_min=1, warmup_max=1, warmup_window=1)
RES = (64, 128)


def test_the_product_keeps_the_order_given_and_autocast_only_where_it_applies():
    base = Protocol(**TINY)
    ps = modes.mode_protocols(base, {"fuse_bn": [False, True], "dtype": ["fp32", "bf16"], "autocast": [True]})
    # dtype before fuse_bn in the product; fp32 under autocast is fp32 (autocast applies to fp16/bf16 only)
    assert [(p.dtype, p.autocast, p.fuse_bn) for p in ps] == [("fp32", False, False), ("fp32", False, True),
                                                              ("bf16", True, False), ("bf16", True, True)]
    assert modes.varied_fields(ps) == ["dtype", "autocast", "fuse_bn"]
    assert [modes.mode_label(p, modes.varied_fields(ps)) for p in ps] == [
        "fp32, BN kept", "fp32, BN folded", "bf16 autocast, BN kept", "bf16 autocast, BN folded"]
    same = modes.mode_protocols(base, {"dtype": ["fp32"], "autocast": [True, False], "backend": ["eager", "eager"]})
    assert same == [base]  # combinations that coincide count once
    assert modes.mode_protocols(base, {}) == [base]


def test_cases_are_grouped_by_network_and_resolution_always():
    two = modes.mode_protocols(Protocol(), {"backend": ["eager", "onnxruntime"]})
    cases = modes.expand(["fast_scnn", "sgcpnet"], [RES], two)
    assert [(c.spec, c.mode, c.group) for c in cases] == [
        ("fast_scnn", "eager", "fast_scnn @ 64x128"), ("fast_scnn", "onnxruntime", "fast_scnn @ 64x128"),
        ("sgcpnet", "eager", "sgcpnet @ 64x128"), ("sgcpnet", "onnxruntime", "sgcpnet @ 64x128")]
    assert bench.references_of(cases) == [0, 0, 2, 2]
    # one mode: no mode label, and still one reference per network and resolution (today: case 0 for all,
    # a ratio of sgcpnet's times to fast_scnn's)
    single = modes.expand(["fast_scnn", "sgcpnet"], [RES, (128, 256)], [Protocol()])
    assert {c.mode for c in single} == {""} and bench.references_of(single) == [0, 1, 2, 3]


def test_a_refused_combination_is_named():
    ps = modes.mode_protocols(Protocol(), {"dtype": ["fp32", "tf32"], "fuse_bn": [True]})
    with pytest.raises(bench.BenchError, match=r"^the combination --dtype tf32 --fuse-bn cannot run: --dtype tf32 "
                                               r"is a CUDA tensor-core math mode"):
        modes.check_modes(ps)
    with pytest.raises(bench.BenchError, match=r"^--dtype tf32 is a CUDA"):  # one mode: the message as it was
        modes.check_modes(modes.mode_protocols(Protocol(), {"dtype": ["tf32"]}))


def test_ratios_are_to_the_first_case_of_each_group():
    times = [[10.0, 10.0], [5.0, 5.0], [20.0, 40.0], [10.0, 10.0]]
    ratios = bench.ratio_to_reference(times, references=[0, 0, 2, 2])
    assert [r["median"] for r in ratios] == [1.0, 0.5, 1.0, pytest.approx(0.375)]  # (0.5 + 0.25) / 2
    assert ratios[3]["geomean"] == pytest.approx((0.5 * 0.25) ** 0.5)
    one_round = bench.ratio_to_reference([[10.0], [5.0]])
    assert one_round[1]["geomean"] == 0.5 and one_round[1]["ci_low"] is None  # no interval from one round


class RecordingTimer:
    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, case: PreparedCase) -> float:
        self.calls.append(case.label)
        return 1.0


def fake(label: str) -> PreparedCase:
    return PreparedCase(Case(label, RES, Protocol(**TINY), label=label), label, net=None, model=None,
                        run=lambda: None, x=None)


def rounds_timed(seed: int, n_rounds: int = 8) -> list[list[str]]:
    timer = RecordingTimer()
    bench.interleaved([fake(x) for x in "ABC"], timer, iters=n_rounds, order_seed=seed)
    timed = timer.calls[3:]  # after one warm-up call each
    return [timed[3 * r: 3 * r + 3] for r in range(n_rounds)]


def test_the_order_is_shuffled_per_round_and_reproducible_from_the_seed():
    rounds = rounds_timed(seed=0)
    assert all(sorted(r) == ["A", "B", "C"] for r in rounds)  # every case once per round
    assert len({tuple(r) for r in rounds}) > 1  # not the same order every round
    assert {r[0] for r in rounds} != {"A"}  # A is not always timed first
    assert rounds_timed(seed=0) == rounds  # reproducible from the seed
    assert rounds_timed(seed=1) != rounds
    assert [["ABC"[k] for k in order] for order in bench.round_orders(3, 8, 0)] == rounds


def test_the_row_records_the_seed_and_each_case_position_per_round():
    cases = [Case("fast_scnn", RES, Protocol(threads=1, order_seed=5, **TINY), label=x) for x in "AB"]
    timer = RecordingTimer()
    a, b = bench.bench(cases, timer=timer, telemetry=lambda device, threads: {})
    timed = timer.calls[2:]
    assert [timed[2 * r: 2 * r + 2].index("A") for r in range(3)] == a["metrics"]["round_positions"]
    assert [timed[2 * r: 2 * r + 2].index("B") for r in range(3)] == b["metrics"]["round_positions"]
    row = bench.to_row(b, environment_={"cpu": "test"})
    assert row["protocol"]["order_seed"] == 5 and "shuffled per round" in row["protocol"]["order"]
    assert row["metrics"]["reference"] == "A" and row["metrics"]["ratio_to_reference"]["n"] == 3
    with pytest.raises(bench.BenchError, match="one order_seed"):
        bench.bench([cases[0], Case("fast_scnn", RES, Protocol(threads=1, **TINY))], timer=timer)
