"""`arena verify`: each published variant's parameters and MACs beside the official figures.

The figures are `arena.networks.VARIANTS` (measured on the official code). Parameters are checked
against the expected figure: the official count less what the official model holds in layers it
never calls (FANet), which arena does not build. Tolerances are DESIGN.md §4's.
"""
from __future__ import annotations

from typing import Any, Callable

from arena.errors import ArenaError
from arena.networks import MAC_TOLERANCE, PARAM_TOLERANCE, PUBLISHED, RESOLUTIONS, VARIANTS


def compare(variants: list[str] | None = None,
            on_step: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """One row per variant: ours, expected and official parameters; ours and official GMACs; ok flags."""
    from arena.measure.profile import profile

    unknown = [v for v in variants or [] if v not in PUBLISHED]
    if unknown:
        raise ArenaError(f"no official figures for {', '.join(unknown)}: choose from {', '.join(PUBLISHED)}")
    rows = []
    for name in variants or list(PUBLISHED):
        if on_step:
            on_step(name)
        v = VARIANTS[name]
        row: dict[str, Any] = {"variant": name, "family": v.family, "params_official": v.params,
                               "params_expected": v.expected_params, "unused_params": v.unused_params,
                               "note": f"official code holds {v.unused_params:,} parameters in {v.unused_why}; "
                                       "not built here" if v.unused_params else ""}
        gmacs = []
        for res in RESOLUTIONS:
            p = profile(name, res)
            row["params"] = p["params_inference"]
            gmacs.append(p["macs"] / 1e9)
        row["gmacs"] = gmacs
        row["gmacs_official"] = list(v.gmacs)
        row["resolutions"] = [f"{h}x{w}" for h, w in RESOLUTIONS]
        row["params_ok"] = abs(row["params"] - v.expected_params) <= PARAM_TOLERANCE * v.expected_params
        row["macs_ok"] = all(abs(ours - ref) <= MAC_TOLERANCE * ref for ours, ref in zip(gmacs, v.gmacs))
        row["ok"] = row["params_ok"] and row["macs_ok"]
        rows.append(row)
    return rows
