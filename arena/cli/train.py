"""`arena train`: one network, one schedule, one seed; a progress bar over the library's flat loop."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from arena.cli.app import SwapOpt, app, user_errors


@app.command()
def train(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="A network or hybrid (fast_scnn, fanet18[upsampler=gai]).")],
    data: Annotated[str, typer.Option(metavar="synthetic|cityscapes:PATH|camvid:PATH",
                                      help="What to train on (default: generated street scenes).")] = "synthetic",
    schedule: Annotated[str, typer.Option(metavar="smoke|demo|short|paper", help="The recipe.")] = "smoke",
    iters: Annotated[Optional[int], typer.Option(metavar="N", help="Rescale the schedule to N iterations.")] = None,
    batch: Annotated[Optional[int], typer.Option(metavar="N", help="Images per step (per process).")] = None,
    crop: Annotated[Optional[str], typer.Option(metavar="HxW", help="Training crop (synthetic: scene size).")] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Fixes initialisation and data order.")] = 0,
    device: Annotated[str, typer.Option(metavar="cpu|cuda[:i]", help="Where to train.")] = "cpu",
    amp: Annotated[Optional[bool], typer.Option("--amp/--no-amp", help="Mixed precision with a grad scaler "
                                                "(default: on for CUDA).")] = None,
    workers: Annotated[int, typer.Option(metavar="N", help="DataLoader worker processes.")] = 0,
    threads: Annotated[Optional[int], typer.Option(metavar="N", help="CPU threads (set explicitly, recorded).")] = None,
    clip_grad: Annotated[Optional[float], typer.Option("--clip-grad", metavar="NORM",
                                                       help="Clip the gradient norm.")] = None,
    pretrained: Annotated[Optional[str], typer.Option(metavar="PATH", help="Your local backbone weights "
                                                      "(a state dict).")] = None,
    resume: Annotated[Optional[str], typer.Option(metavar="RUN_DIR", help="Continue a run from its last "
                                                  "checkpoint.")] = None,
    out: Annotated[str, typer.Option("--out", metavar="DIR", show_default=False, help="Rows go to DIR/train.jsonl, "
                                     "run folders to DIR/runs/ (default: ./results).")] = "results",
    swap: SwapOpt = None,
    deterministic: Annotated[bool, typer.Option("--deterministic", help="Deterministic algorithms, cuDNN and "
                                                "cuBLAS: a GPU resume is then bit-exact unless the row lists "
                                                "kernels without a deterministic version.")] = False,
):
    """Train on a short schedule; writes checkpoints, a run folder and a train row (mIoU, curve, speed)."""
    from arena.cli import render
    from arena.checks import parse_res
    from arena.store import Store
    from arena.train.loop import TrainConfig, train as run_training

    with user_errors():
        if iters is not None and iters < 1:
            raise _error(f"--iters must be >= 1, got {iters}")
        if workers < 0:
            raise _error(f"--workers must be >= 0, got {workers}")
        from arena.checks import threads as check_threads

        check_threads(threads)
        if clip_grad is not None and not clip_grad > 0:  # -1 reversed every gradient, 0 silently meant none
            raise _error(f"--clip-grad must be a positive gradient norm (like 1.0), got {clip_grad:g}; leave it "
                         "out for no clipping")
        store = Store(out).check_writable()  # refused before any training
        cfg = TrainConfig(spec=spec, data=data, schedule=schedule, iters=iters, batch=batch,
                          crop=parse_res(crop) if crop else None, seed=seed, device=device, amp=amp,
                          workers=workers, threads=threads, clip_grad=clip_grad, pretrained=pretrained,
                          resume=resume, out=out, swaps=tuple(swap or ()), deterministic=deterministic)
        with render.training_progress() as on_log:
            run = run_training(cfg, on_log=on_log)
        if run.main:
            store.append([run.row])
    render.console().print(render.train_summary(run.row))


def _error(message: str):
    from arena.errors import ArenaError

    return ArenaError(message)
