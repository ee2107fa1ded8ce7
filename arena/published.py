"""The official figures of each published variant, as measured on the official code in the specs.

Source: ../shared/specs/<net>.md (DESIGN.md §4 collects them). Parameters are the inference graph
(no auxiliary heads, 19 classes); MACs are fvcore totals, one multiply-add counted as one, BN and
interpolation included, with the final resize to the input size. `params_note` says where our
count differs on purpose (the net file's docstring gives the reason).
"""
from __future__ import annotations

# variant: (spec file, params, GMACs @512x1024, GMACs @1024x2048, params_note)
SPEC_FIGURES: dict[str, tuple[str, int, float, float, str]] = {
    "fanet18": ("fanet.md", 13_820_032, 11.87, 47.44,
                "official code holds 149,824 parameters in two layers it never calls; not built here"),
    "fanet34": ("fanet.md", 23_928_192, 16.70, 66.79,
                "official code holds 149,824 parameters in two layers it never calls; not built here"),
    "fast_scnn": ("fast_scnn.md", 1_137_795, 1.777, 7.106, ""),
    "s2fpn18": ("s2fpn.md", 17_095_140, 27.97, 111.86, ""),
    "s2fpn34": ("s2fpn.md", 27_203_300, 47.32, 189.27, ""),
    "s2fpn34m": ("s2fpn.md", 27_203_300, 185.40, 741.56, ""),
    "sgcpnet": ("sgcpnet.md", 607_826, 0.900, 3.599, ""),
    "gain18": ("gain.md", 11_955_317, 38.88, 157.35, ""),
    "gain_df2": ("gain.md", 18_063_061, 22.00, 89.83, ""),
}
PARAM_TOLERANCE = 0.005  # DESIGN.md §4
MAC_TOLERANCE = 0.02


def compare(variants: list[str] | None = None) -> list[dict]:
    """Our parameters and primary-counter MACs beside the spec's official figures, per variant."""
    from arena.profile import profile

    rows = []
    for name in variants or list(SPEC_FIGURES):
        spec_file, params, macs_half, macs_full, note = SPEC_FIGURES[name]
        row = {"variant": name, "spec": spec_file, "params": None, "params_spec": params, "note": note}
        for key, res, ref in (("half", (512, 1024), macs_half), ("full", (1024, 2048), macs_full)):
            p = profile(name, res)
            row["params"] = p["params_inference"]
            row[f"gmacs_{key}"] = p["macs"] / 1e9
            row[f"gmacs_{key}_spec"] = ref
        row["params_ok"] = abs(row["params"] - params) <= PARAM_TOLERANCE * params or bool(note)
        row["macs_ok"] = all(abs(row[f"gmacs_{k}"] - row[f"gmacs_{k}_spec"]) <= MAC_TOLERANCE * row[f"gmacs_{k}_spec"]
                             for k in ("half", "full"))
        rows.append(row)
    return rows
