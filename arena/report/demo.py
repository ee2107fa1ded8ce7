"""`arena demo`: the main job on the embedded default, in a few minutes on a 2-core CPU.

1. profile and bench the five published families (one variant each) at 256x512 on this CPU;
2. train fast_scnn and sgcpnet on synthetic scenes (the `demo` schedule rescaled to 120 iterations:
   what fits the budget with both well above chance, which is about 1.6 % mIoU for a network that
   predicts road everywhere) and their GAI hybrids, two seeds each;
3. the ablation `upsampler=gai` on those two, seed-paired;
4. the Pareto front (latency vs mIoU) as PNG, PDF and SVG, and the LaTeX and Markdown tables.

Everything is a study in the demo's own results folder (never results/reference/): a second run
skips every finished row and only redraws the reports.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

TRAINED = ("fast_scnn", "sgcpnet")  # the budget trains these two; the other families are costed only
RES = (256, 512)
ITERS = 120
SEEDS = 2


def run_demo(out: str | Path = "arena-demo", *, threads: int | None = None,
             on_progress: Callable | None = None) -> dict[str, Any]:
    from arena import atomic
    from arena.report import frames, table_format, tables
    from arena.report.pareto import draw
    from arena.studies.ablate import summarise
    from arena.studies.engines.local import LocalEngine
    from arena.studies.driver import run_study
    from arena.studies.schema import from_dict

    began = time.perf_counter()
    out = Path(out)
    engine = LocalEngine(workers=1, threads=threads)
    res = f"{RES[0]}x{RES[1]}"
    costs = from_dict({"study": {"name": "demo_costs", "networks": "families", "resolutions": [res],
                                 "kinds": ["profile", "bench"]},
                       "bench": {"iters": 10, "warmup_max": 10}}, source="arena demo")
    runs = [run_study(costs, engine, out, on_progress=on_progress).summary]
    ablation = from_dict({"study": {"name": "demo_ablation", "networks": list(TRAINED), "swaps": ["upsampler=gai"],
                                    "seeds": list(range(SEEDS)), "resolutions": [res],
                                    "kinds": ["profile", "bench", "train"]},
                          "train": {"schedule": "demo", "iters": ITERS, "data": "synthetic"},
                          "bench": {"iters": 10, "warmup_max": 10}}, source="arena demo")
    ablated = run_study(ablation, engine, out, on_progress=on_progress)
    runs.append(ablated.summary)
    deltas = summarise(ablation, ablated.plan, out)
    summary = frames.summary(frames.load_rows(out))
    front = draw(out, x="latency", y="miou", res=res, out=out / "pareto", name="demo_pareto", dpi=150)
    table = tables.table(summary, res=res, schedule="demo", allow_mixed=False)
    latex_path = out / "table.tex"
    atomic.write_text(latex_path, table_format.to_latex(table, caption="arena demo: synthetic scenes, demo schedule "
                                                  f"({ITERS} iterations), {res}", label="tab:arena-demo"))
    markdown = table_format.to_markdown(table)
    atomic.write_text(out / "table.md", markdown)
    return {"out": str(out), "runs": runs, "ablation": deltas, "pareto": front, "table": table,
            "latex": str(latex_path), "markdown": markdown, "trained": list(TRAINED),
            "costed_only": [n for n in costs.networks if n not in TRAINED],
            "wall_s": time.perf_counter() - began}
