"""`arena eval`: a trained network's mIoU under each deployment mode, with its latency ratio."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import app, user_errors

MODE_HELP = "Repeatable: every value is a mode, each evaluated and timed beside fp32 eager."


@app.command("eval")
def eval_cmd(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="The network the weights belong to.")],
    weights: Annotated[str, typer.Option(metavar="RUN_DIR|FILE", help="A run folder of `arena train` (its "
                                         "last.pt) or a weights file (a checkpoint or a state dict).")],
    backend: Annotated[Optional[list[str]], typer.Option(metavar="eager|onnxruntime|openvino",
                                                         help=MODE_HELP)] = None,
    dtype: Annotated[Optional[list[str]], typer.Option(metavar="fp32|int8", help=MODE_HELP)] = None,
    data: Annotated[Optional[str], typer.Option(metavar="DATA", help="Validation data (default: the run's, "
                                                "else synthetic).")] = None,
    res: Annotated[Optional[str], typer.Option("--res", metavar="HxW", help="Evaluation resolution (default: "
                                               "the run's crop for synthetic data, the images' own size else).")] = None,
    limit: Annotated[Optional[int], typer.Option(metavar="N", help="Evaluate the first N validation images.")] = None,
    calibration: Annotated[Optional[int], typer.Option(metavar="N", help="int8: training images to calibrate "
                                                       "on (default 300).")] = None,
    calibration_seed: Annotated[int, typer.Option("--calibration-seed", metavar="N")] = 0,
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads (default: all cores).")] = None,
    iters: Annotated[int, typer.Option(metavar="N", help="Timed iterations of the latency bench; 0: no bench.")] = 20,
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="Results folder.")] = "results",
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not append rows to the results store.")] = False,
):
    """mIoU on the validation split under each mode (the training's evaluation code), its Δ to fp32 eager
    with a per-image paired interval, argmax agreement, and its latency ratio from an interleaved bench."""
    from arena.checks import cpu_count, parse_res
    from arena.cli import render
    from arena.errors import ArenaError
    from arena.train import deploy as ev
    from arena.measure.quantize import DEFAULT_CALIBRATION
    from arena.store import Store

    with user_errors():
        modes = ev.eval_modes(backend, dtype)
        for name, value in (("--limit", limit), ("--calibration", calibration), ("--threads", threads)):
            if value is not None and value < 1:
                raise ArenaError(f"{name} must be an integer >= 1, got {value}")
        if iters < 0:
            raise ArenaError(f"--iters must be an integer >= 0, got {iters}")
        store = None if no_save else Store(out).check_writable()
        threads = threads or cpu_count()
        p = ev.prepare(spec, weights, data, parse_res(res) if res else None)
        net, source, val, desc, size, data = (p[k] for k in ("net", "source", "val", "desc", "size", "data"))
        if any(dt == "int8" for _, dt in modes) and not source["run"] and not source["iteration"]:
            typer.echo("note: these weights come from no `arena train` run: if they are untrained, the int8 "
                       "accuracy is meaningless", err=True)
        cal = {"size": calibration or DEFAULT_CALIBRATION, "seed": calibration_seed, "data": data}
        with render.progress("eval"):
            results = ev.evaluate_modes(net, modes, val, net.classes, desc.get("class_names"), size,
                                        threads=threads, calibration=cal, limit=limit)
        latency = _latency(spec, modes, size, threads, iters) if iters else None
        rows = ev.to_rows(results, net, source, desc, size, threads, latency)
        render.console().print(render.eval_table(net.canonical, size, results, latency))
        if store is not None:
            path, = store.append(rows)
            typer.echo(f"appended {len(rows)} row(s) to {path}", err=True)


def _latency(spec: str, modes, res, threads: int, iters: int) -> list[dict]:
    """Each mode's latency ratio to fp32 eager from one interleaved bench (the timing does not depend on
    the weights; int8 is calibrated on one image there, which sets scales, not speed)."""
    from arena.cli import render
    from arena.measure import bench as bench_lib
    from arena.measure import modes as modes_lib
    from arena.measure.prepare import Case

    protocols = [bench_lib.Protocol(backend=b, dtype=dt, threads=threads, iters=iters, calibration=1)
                 for b, dt in modes]
    fields = modes_lib.varied_fields(protocols) or ["backend"]
    cases = [Case(spec, tuple(res), p, group="eval", mode=modes_lib.mode_label(p, fields)) for p in protocols]
    with render.progress("bench") as step:
        outcome = bench_lib.bench(cases, on_step=step)
    return [{"median_ms": o["metrics"]["median_ms"], **(o["metrics"]["ratio_to_reference"] or {})} for o in outcome]
