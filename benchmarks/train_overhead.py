"""The training loop's overhead: images/s of `arena train` against a minimal hand-written loop on the
same model and data, interleaved; and the fraction of step time `arena train` spends waiting for data.

Protocol: fast_scnn (override with --spec), synthetic scenes at the crop given, batch 4, SGD with
momentum, CPU, threads set explicitly; each measurement is a fresh run of --iters iterations (the
network rebuilt at the same seed, the same seeded data stream); runs alternate arena, hand, arena,
hand ... (--pairs of them) so that drift hits both; images/s counts the loop only (from the first
batch request to the last step; arena's final validation and checkpoint are outside). The hand loop
is what a person would write: the same loader, forward, cross-entropy plus the auxiliary losses with
their weights, zero_grad, backward, step; no LR schedule bookkeeping, no checkpoints, no logging.
Target: arena / hand >= 0.95; data wait < 5 % of the step time.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch


def hand_loop(spec: str, crop, batch: int, iters: int, seed: int, workers: int) -> float:
    import arena
    from arena.data import loader, open_dataset
    from arena.train.losses import total_loss

    torch.manual_seed(seed)
    net = arena.build(spec).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    data, _ = open_dataset("synthetic", "train", crop=crop, seed=seed)
    start = time.perf_counter()
    for i, (x, y) in enumerate(loader(data, batch, seed, workers, samples=iters * batch)):
        loss, _ = total_loss(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return iters * batch / (time.perf_counter() - start)


def arena_loop(spec: str, crop, batch: int, iters: int, seed: int, workers: int, threads: int) -> tuple[float, float]:
    from arena.train.loop import TrainConfig, train

    with tempfile.TemporaryDirectory() as out:
        run = train(TrainConfig(spec, schedule="demo", iters=iters, batch=batch, crop=crop, seed=seed, workers=workers,
                                threads=threads, out=out))
    return run.metrics["images_per_s"], run.metrics["data_wait_fraction"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default="fast_scnn")
    ap.add_argument("--crop", default="128x256")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--iters", type=int, default=40)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0)
    args = ap.parse_args()
    crop = tuple(int(v) for v in args.crop.split("x"))
    torch.set_num_threads(args.threads)
    ours, theirs, waits = [], [], []
    hand_loop(args.spec, crop, args.batch, 3, 0, args.workers)  # warm-up: imports, allocator, kernels
    for _ in range(args.pairs):
        ips, wait = arena_loop(args.spec, crop, args.batch, args.iters, 0, args.workers, args.threads)
        ours.append(ips)
        waits.append(wait)
        torch.set_num_threads(args.threads)
        theirs.append(hand_loop(args.spec, crop, args.batch, args.iters, 0, args.workers))
    ratios = [a / b for a, b in zip(ours, theirs)]
    print(f"protocol: {args.spec}, synthetic {crop[0]}x{crop[1]}, batch {args.batch}, {args.iters} iterations per run, "
          f"{args.pairs} interleaved pairs, CPU {args.threads} threads, {args.workers} workers")
    print(f"arena train: {', '.join(f'{v:.1f}' for v in ours)} images/s; hand loop: "
          f"{', '.join(f'{v:.1f}' for v in theirs)} images/s")
    print(f"ratio arena / hand: median {statistics.median(ratios):.3f} (runs {', '.join(f'{r:.3f}' for r in ratios)}; "
          f"target >= 0.95)")
    print(f"data wait: median {100 * statistics.median(waits):.1f} % of the loop (target < 5 %)")


if __name__ == "__main__":
    main()
