"""Study commands: `arena ablate` (one swap across networks, seed-paired intervals) and `arena run` (a TOML grid)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import app, user_errors

EngineOpt = Annotated[str, typer.Option("--engine", metavar="local|ray", help="Where jobs run.")]
WorkersOpt = Annotated[int, typer.Option(metavar="N", help="Worker processes (local) or parallel tasks.")]
AddressOpt = Annotated[Optional[str], typer.Option(metavar="HOST:PORT", help="An existing Ray cluster "
                                                   "(default: a local Ray instance).")]
OutOpt = Annotated[str, typer.Option("--out", metavar="DIR", show_default=False,
                                     help="The results store (default: ./results).")]


def _engine(name: str, workers: int, address: str | None, threads: int | None):
    from arena.studies.engines import get_engine

    if address and name != "ray":
        from arena.errors import ArenaError

        raise ArenaError("--address is for --engine ray")
    return get_engine(name, workers=workers, address=address, threads=threads)


@app.command()
def ablate(
    swap: Annotated[list[str], typer.Option("--swap", "-s", metavar="ROLE=BLOCK",
                                            help="The swap to ablate, e.g. upsampler=gai; several make a grid.")],
    nets: Annotated[str, typer.Option(metavar="all|LIST", help="Networks, comma-separated (default: one variant "
                                      "of each of the five published families).")] = "all",
    schedule: Annotated[str, typer.Option(metavar="smoke|demo|short|paper", help="Training schedule.")] = "short",
    iters: Annotated[Optional[int], typer.Option(metavar="N", help="Rescale the schedule to N iterations.")] = None,
    seeds: Annotated[int, typer.Option(metavar="N", help="Seeds per variant (>= 2 for an interval; 3 or more "
                                       "is better).")] = 5,
    res: Annotated[str, typer.Option("--res", metavar="HxW", help="Profile and bench resolution.")] = "512x1024",
    device: Annotated[str, typer.Option(metavar="cpu|cuda[:i]", help="Where to bench and train.")] = "cpu",
    bench_iters: Annotated[Optional[int], typer.Option(metavar="N", help="Timed iterations of the bench.")] = None,
    engine: EngineOpt = "local",
    workers: WorkersOpt = 1,
    address: AddressOpt = None,
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads per job.")] = None,
    skip_train: Annotated[bool, typer.Option("--skip-train", help="Costs only: no accuracy.")] = False,
    skip_bench: Annotated[bool, typer.Option("--skip-bench", help="No latency.")] = False,
    out: OutOpt = "results",
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
):
    """For each network, base vs swapped: params, GMACs, latency and mIoU deltas with paired 95 % intervals."""
    from arena.cli import render
    from arena.checks import parse_res
    from arena.studies.ablate import ablation_study, summarise
    from arena.studies.driver import run_study

    with user_errors():
        h, w = parse_res(res)
        net_list = None if nets in ("all", "families") else [n.strip() for n in nets.split(",") if n.strip()]
        study = ablation_study(list(swap), net_list, seeds=seeds, schedule=schedule, iters=iters, res=(h, w),
                               device=device, skip_train=skip_train, skip_bench=skip_bench, bench_iters=bench_iters)
        runner = _engine(engine, workers, address, threads)
        with render.progress("ablate") as step:  # a swap that fits no network fails in the plan, before any work
            ran = run_study(study, runner, out, on_progress=lambda done, total, label: step(label, completed=done))
        outcome = ran.summary
        table = summarise(study, ran.plan, out)
    if json_out:
        render.print_json({"run": outcome, "ablation": table})
        return
    console = render.console()
    for part in render.ablation_tables(table, outcome):
        console.print(part)
    if outcome.get("failed"):
        raise typer.Exit(1)


@app.command("run")
def run_cmd(
    study_file: Annotated[str, typer.Argument(metavar="STUDY.toml", help="A study file (experiments/*.toml).")],
    engine: EngineOpt = "local",
    workers: WorkersOpt = 1,
    address: AddressOpt = None,
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads per job (default: cores / "
                                                   "workers).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (jobs, skipped, estimated cost) "
                                          "and run nothing.")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Run again the jobs that failed before.")] = False,
    rerun_stale: Annotated[bool, typer.Option("--rerun-stale", help="Rerun rows made by another arena "
                                              "version or commit.")] = False,
    out: OutOpt = "results",
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
):
    """Expand a study grid into jobs, skip those already in the results store, and run the rest."""
    from arena.cli import render
    from arena.studies.driver import run_study
    from arena.studies.spec import load

    with user_errors():
        study = load(study_file)
        runner = _engine(engine, workers, address, threads)
        with render.progress(f"study {study.name}") as step:
            outcome = run_study(study, runner, out, retry_failed=retry_failed, rerun_stale=rerun_stale, dry_run=dry_run,
                                on_progress=lambda done, total, label: step(label, completed=done)).summary
    if json_out:
        render.print_json(outcome)
    else:
        render.console().print(render.study_summary(outcome))
    if outcome.get("failed"):
        raise typer.Exit(1)
