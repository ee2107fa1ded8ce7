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
    from arena.checks import threads as check_threads
    from arena.studies.engines import get_engine

    check_threads(threads)
    if address and name != "ray":
        from arena.errors import ArenaError

        raise ArenaError("--address is for --engine ray")
    return get_engine(name, workers=workers, address=address, threads=threads)


BudgetOpt = Annotated[float, typer.Option("--budget", metavar="HOURS", help="Stop before running anything when "
                                         "the plan's estimate exceeds this (default 2 hours).")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Run even when the estimate exceeds --budget.")]


def _check_budget(budget: float, yes: bool, fitting):
    """The on_plan callback: print the plan (stderr), then stop over budget with the nearest command."""
    from arena.cli import render
    from arena.errors import ArenaError

    if not budget > 0:
        raise ArenaError(f"--budget must be a positive number of hours, got {budget:g}")

    def on_plan(summary):
        render.console(stderr=True).print(render.study_plan(summary, why=summary.get("why", "")))
        total = summary["estimated_s"]
        if total > budget * 3600 and not yes:
            hint = fitting() if fitting else None
            fix = f"try `{hint}`" if hint else "use a smaller schedule, fewer seeds or networks"
            raise ArenaError(f"this study would take about {render.duration(total)} on this device, over the "
                             f"--budget of {budget:g} h: {fix}; or --device cuda, or --engine ray on a cluster; "
                             "or pass --yes to run it as it is")
    return on_plan


def _resume_hint(command: str) -> str:
    import shlex
    import sys

    return f"interrupted: every finished job is kept; resume with: {command or shlex.join(['arena', *sys.argv[1:]])}"


@app.command()
def ablate(
    swap: Annotated[list[str], typer.Option("--swap", "-s", metavar="ROLE=BLOCK",
                                            help="The swap to ablate, e.g. upsampler=gai; several make a grid.")],
    nets: Annotated[str, typer.Option(metavar="all|LIST", help="Networks, comma-separated (default: one variant "
                                      "of each of the five seed families; all: every published variant).")] = "families",
    schedule: Annotated[Optional[str], typer.Option(metavar="smoke|demo|short|paper", help="Training schedule "
                                                    "(default: demo on a CPU, short on a GPU).")] = None,
    iters: Annotated[Optional[int], typer.Option(metavar="N", help="Rescale the schedule to N iterations.")] = None,
    seeds: Annotated[int, typer.Option(metavar="N", help="Seeds per variant (3 or more give a verdict; 2 only "
                                       "describe).")] = 5,
    res: Annotated[str, typer.Option("--res", metavar="HxW", help="Profile and bench resolution.")] = "512x1024",
    device: Annotated[str, typer.Option(metavar="cpu|cuda[:i]", help="Where to bench and train.")] = "cpu",
    bench_iters: Annotated[Optional[int], typer.Option(metavar="N", help="Timed iterations of the bench.")] = None,
    delta: Annotated[float, typer.Option("--delta", metavar="POINTS", help="Equivalence margin of an mIoU "
                                         "difference, in points.")] = 1.0,
    delta_latency: Annotated[float, typer.Option("--delta-latency", metavar="PERCENT", help="Equivalence margin "
                                                 "of a latency ratio, in percent.")] = 3.0,
    engine: EngineOpt = "local",
    workers: WorkersOpt = 1,
    address: AddressOpt = None,
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads per job.")] = None,
    skip_train: Annotated[bool, typer.Option("--skip-train", help="Costs only: no accuracy.")] = False,
    skip_bench: Annotated[bool, typer.Option("--skip-bench", help="No latency.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (jobs and estimates) and run nothing.")] = False,
    budget: BudgetOpt = 2.0,
    yes: YesOpt = False,
    rerun_stale: Annotated[bool, typer.Option("--rerun-stale", help="Rerun rows made by another arena version "
                                              "or commit.")] = False,
    allow_mixed_versions: Annotated[bool, typer.Option("--allow-mixed-versions", help="Pair rows made by "
                                                       "different code (the output marks such pairs).")] = False,
    out: OutOpt = "results",
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
):
    """For each network, base vs swapped: params, GMACs, latency and mIoU deltas with paired 95 % intervals and verdicts."""
    from arena.checks import parse_res
    from arena.cli import render
    from arena.errors import ArenaError
    from arena.studies.ablate import ablation_study, default_schedule, fitting_command, summarise
    from arena.studies.driver import run_study

    with user_errors():
        h, w = parse_res(res)
        _check_budget(budget, yes, None)  # a dry run too: -1 is no budget
        for value, option in ((delta, "--delta"), (delta_latency, "--delta-latency")):
            if not value > 0:
                raise ArenaError(f"{option} must be positive (the equivalence margin), got {value:g}")
        why = ""
        if schedule is None:
            schedule, why = default_schedule(device)
            why = f"schedule {schedule}: {why}"
        if nets.strip() not in ("families", "all") and not [n for n in nets.split(",") if n.strip()]:
            raise ArenaError(f"--nets {nets!r} names no network: pass names like fast_scnn,fanet18, or `all`, or "
                             "`families` (the default)")
        net_list = None if nets == "families" else ([] if nets == "all" else [n.strip() for n in nets.split(",")
                                                                             if n.strip()])
        if net_list == []:
            from arena.networks import PUBLISHED

            net_list = list(PUBLISHED)
        options = dict(swaps=list(swap), nets=net_list, seeds=seeds, schedule=schedule, iters=iters, res=(h, w),
                       device=device, skip_train=skip_train, skip_bench=skip_bench, bench_iters=bench_iters)
        study = ablation_study(**options)
        runner = _engine(engine, workers, address, threads)
        if dry_run:
            ran = run_study(study, runner, out, rerun_stale=rerun_stale, dry_run=True)
            ran.summary["why"] = why
            if json_out:
                render.print_json(ran.summary)
            else:
                render.console().print(render.study_plan(ran.summary, why=why))
            return
        on_plan = _check_budget(budget, yes, lambda: fitting_command(options, budget * 3600, getattr(runner, "threads", None)))
        ran = _run_with_progress(study, runner, out, on_plan=lambda o: on_plan({**o, "why": why}),
                                 rerun_stale=rerun_stale)
        outcome = ran.summary
        table = summarise(study, ran.plan, out, delta=delta, latency_delta=delta_latency / 100,
                          allow_mixed_versions=allow_mixed_versions)
    if json_out:
        render.print_json({"run": outcome, "ablation": table})
        return
    console = render.console()
    for part in render.ablation_tables(table, outcome):
        console.print(part)
    if outcome.get("failed"):
        raise typer.Exit(1)


def _run_with_progress(study, runner, out, **options):
    """run_study with the plan printed first, an overall bar with its ETA and the running job's
    bar; Ctrl-C ends in one line that says how to resume."""
    from arena.cli import render
    from arena.errors import ArenaError
    from arena.studies.driver import run_study

    state = {}
    on_plan = options.pop("on_plan")

    def plan_then_bars(summary):
        on_plan(summary)
        state["bars"] = render.study_progress(summary)
        state["progress"], state["log"] = state["bars"].__enter__()

    try:
        estimating = lambda: render.console(stderr=True).print(  # noqa: E731
            "planning: timing each network briefly on this device (once: the timings are cached)")
        return run_study(study, runner, out, on_plan=plan_then_bars, on_estimating=estimating,
                         on_progress=lambda done, total, label: state["progress"](done, total, label),
                         on_log=lambda e: state["log"](e), **options)
    except KeyboardInterrupt:
        raise ArenaError(_resume_hint("")) from None
    finally:
        if "bars" in state:
            state["bars"].__exit__(None, None, None)


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
    budget: BudgetOpt = 2.0,
    yes: YesOpt = False,
    out: OutOpt = "results",
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
):
    """Expand a study grid into jobs, skip those already in the results store, and run the rest."""
    from arena.cli import render
    from arena.studies.driver import run_study
    from arena.studies.schema import load

    with user_errors():
        _check_budget(budget, yes, None)  # a dry run too: -1 is no budget
        study = load(study_file)
        runner = _engine(engine, workers, address, threads)
        if dry_run:
            outcome = run_study(study, runner, out, retry_failed=retry_failed, rerun_stale=rerun_stale,
                                dry_run=True).summary
        else:
            outcome = _run_with_progress(study, runner, out, on_plan=_check_budget(budget, yes, None),
                                         retry_failed=retry_failed, rerun_stale=rerun_stale).summary
    if json_out:
        render.print_json(outcome)
    elif dry_run:
        render.console().print(render.study_plan(outcome))
    else:
        render.console().print(render.study_summary(outcome))
    if outcome.get("failed"):
        raise typer.Exit(1)
