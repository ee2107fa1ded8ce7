"""README's "on this CPU" tables of published variants, from the rows `arena profile` and `arena bench` wrote.

The figures come from the CLI, as a user would run it (the commands are printed with the table);
this script only reads the rows back and lays them out: params and GMACs from the profile rows, and
per resolution eager and ONNX Runtime median ms (FPS) with ONNX Runtime's paired ratio to eager
[95 % interval] from one interleaved bench. Usage:

    arena profile V1 V2 ... --res 512x1024 --res 1024x2048 --out results/reference/attention_era
    arena bench V1 V2 ... --backend eager --backend onnxruntime --res 512x1024 --iters 10 --out DIR
    arena bench V1 V2 ... --backend eager --backend onnxruntime --res 1024x2048 --iters 5 --out DIR
    python benchmarks/family_table.py DIR V1 V2 ...
"""
from __future__ import annotations

import argparse

from arena.store import Store


def _cell(row) -> str:
    m = row["metrics"]
    return f"{m['median_ms']:.1f} ({m['fps']:.1f})"


def _ratio(row) -> str:
    r = row["metrics"]["ratio_to_reference"]
    interval = "" if r.get("ci_low") is None else f" [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
    return f"x{r['geomean']:.2f}{interval}"


def table(folder: str, variants: list[str], resolutions: list[str]) -> str:
    latest = {}
    for r in Store(folder).records(quiet=True):  # the latest row of each question wins
        p = r.get("protocol") or {}
        res = p.get("resolution") or "x".join(str(v) for v in p.get("res", []))
        latest[(r["kind"], r["spec"], res, p.get("backend") or "eager")] = r
    header = ["variant", "params"] + [f"{c} {s}" if c.startswith("GMACs") else c for s in resolutions
                                      for c in ("GMACs", "eager ms (FPS)", "ORT ms (FPS)", "ORT / eager")]
    align = ["---", "---:"] + ["---:", "---:", "---:", "---"] * len(resolutions)
    rows = []
    for v in variants:
        cells = []
        params = None
        for s in resolutions:
            prof = latest.get(("profile", v, s, "eager"))
            eager, ort = latest.get(("bench", v, s, "eager")), latest.get(("bench", v, s, "onnxruntime"))
            params = params or (prof and prof["metrics"]["params_inference"])
            cells += [f"{prof['metrics']['gmacs']:.3f}" if prof else "-", _cell(eager) if eager else "-",
                      _cell(ort) if ort else "-", _ratio(ort) if ort else "-"]
        rows.append([v, f"{params:,}" if params else "-"] + cells)
    keep = [k for k in range(len(header)) if k < 2 or any(r[k] != "-" for r in rows)]  # columns nothing measured: out
    lines = ["| " + " | ".join(header[k] for k in keep) + " |", "|" + "|".join(align[k] for k in keep) + "|"]
    lines += ["| " + " | ".join(r[k] for k in keep) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--res", action="append", default=None, help="resolutions, in column order")
    args = ap.parse_args()
    print(table(args.folder, args.variants, args.res or ["512x1024", "1024x2048"]))


if __name__ == "__main__":
    main()
