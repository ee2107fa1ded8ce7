"""The ablation's terminal table at its edges (no training: comparisons made by arena.stats)."""
from __future__ import annotations


def test_the_ablation_table_says_degenerate_and_prints_large_seed_counts():
    """Deltas 0, 0, 0: 'degenerate: every seed gave Δ = +0.00', never 'equivalent within ±1' (today's
    TOST p was set to 0 by convention); a spread needing 78,490-odd seeds is printed as that number
    (today: '-' above 10,000)."""
    from arena.cli.render.common import console
    from arena.cli.render.studies import ablation_tables
    from arena.stats import compare, holm_verdicts

    flat = compare([10.0, 12.0, 11.0], [10.0, 12.0, 11.0], 1.0)
    noisy = compare([10.0, 110.0, 60.0, 10.0], [110.0, 10.0, 60.0, 11.0], 1.0)
    holm_verdicts([flat, noisy])
    entries = [{"network": n, "swap": "upsampler=gai", "applicable": True, "miou": c}
               for n, c in (("fast_scnn", flat), ("sgcpnet", noisy))]
    summary = {"comparisons": entries, "counts": {"miou": 1, "latency": 0},
               "delta": {"miou_points": 1.0, "latency": 0.03}}
    outcome = {"study": "s", "jobs": 0, "skipped": 0, "to_run": 0, "engine": "local"}
    screen = console()
    with screen.capture() as captured:
        for part in ablation_tables(summary, outcome):
            screen.print(part)
    text = captured.get()
    assert "degenerate: every seed gave Δ = +0.00" in text and "equivalent" not in text.split("Verdicts:")[0]
    assert f"{noisy['seeds_needed']:,}" in text and noisy["seeds_needed"] > 10_000
