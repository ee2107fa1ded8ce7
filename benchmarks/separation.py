"""Does the synthetic task separate architectures? The same budget for several networks and seeds.

Protocol: `arena train SPEC --schedule S --seed K` for each network and seed (defaults: fast_scnn,
sgcpnet, fanet18; seeds 0, 1, 2; the demo schedule), synthetic scenes, CPU, threads set explicitly;
mIoU on the fixed synthetic validation set. Prints mean and std per network, each seed's mIoU,
whether the ranking is the same for every seed, and the wall time. Rows go to --out (train.jsonl).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch


def main() -> None:
    from arena.train.loop import TrainConfig, train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", default="fast_scnn,sgcpnet,fanet18")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--schedule", default="demo")
    ap.add_argument("--iters", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="results/separation")
    args = ap.parse_args()
    nets, seeds = args.nets.split(","), [int(s) for s in args.seeds.split(",")]
    miou: dict[str, dict[int, float]] = {n: {} for n in nets}
    began = time.perf_counter()
    for seed in seeds:
        for net in nets:
            torch.set_num_threads(args.threads)
            run = train(TrainConfig(net, schedule=args.schedule, iters=args.iters, seed=seed, threads=args.threads,
                                    out=args.out))
            miou[net][seed] = run.metrics["miou"]
            print(f"{net} seed {seed}: mIoU {100 * run.metrics['miou']:.2f} ({run.metrics['wall_s']:.0f} s)", flush=True)
    wall = time.perf_counter() - began
    print(f"protocol: {args.schedule} schedule{f' rescaled to {args.iters}' if args.iters else ''}, synthetic, "
          f"CPU {args.threads} threads, seeds {args.seeds}; total {wall / 60:.1f} min")
    for net in nets:
        vals = [100 * miou[net][s] for s in seeds]
        print(f"{net:<10} mIoU {statistics.mean(vals):6.2f} +- {statistics.stdev(vals) if len(vals) > 1 else 0:.2f}  "
              f"(seeds: {', '.join(f'{v:.2f}' for v in vals)})")
    rankings = {s: tuple(sorted(nets, key=lambda n: -miou[n][s])) for s in seeds}
    same = len(set(rankings.values())) == 1
    print(f"ranking per seed: {'; '.join(f'{s}: ' + ' > '.join(r) for s, r in rankings.items())} "
          f"({'the same for every seed' if same else 'NOT the same for every seed'})")


if __name__ == "__main__":
    main()
