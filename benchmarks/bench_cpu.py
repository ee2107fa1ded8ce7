"""The nine published variants on this CPU: median, p10/p90 and FPS, timed interleaved in one run.

Protocol (printed with the figures): batch 1, fp32 eager (BN not folded: the papers' protocol),
512x1024 by default, 2 threads set explicitly, final resize inside the timed region, argmax
outside, input already in memory; warm-up until the last window of 3 settles (at least 3, at most
15 iterations); then N rounds in which every variant runs once (A B C ... A B C ...), so drift
hits all alike. Run it on a quiet machine: these are wall-clock figures.
"""
from __future__ import annotations

import argparse

from arena.measure import bench
from arena.networks import PUBLISHED


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--res", default="512x1024")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nets", default=",".join(PUBLISHED))
    args = ap.parse_args()
    h, w = (int(v) for v in args.res.split("x"))
    protocol = bench.Protocol(threads=args.threads, iters=args.iters, warmup_min=3, warmup_max=15, warmup_window=3)
    cases = [bench.Case(net, (h, w), protocol) for net in args.nets.split(",")]
    results = bench.bench(cases)
    row = bench.to_row(results[0])
    print(f"protocol: {row['protocol']['device']} {row['environment'].get('cpu')}, {protocol.threads} threads, "
          f"fp32 eager, batch 1, {h}x{w}, {protocol.iters} interleaved rounds; "
          f"timed: {row['protocol']['timed_region']}; warm-up: {row['protocol']['warmup_rule']}")
    print(f"{'variant':<10} {'median ms':>10} {'p10':>9} {'p90':>9} {'FPS':>7}  warm-up")
    for r in results:
        m = r["metrics"]
        wu = m["setup"]["warmup"]
        print(f"{r['spec']:<10} {m['median_ms']:>10.1f} {m['p10_ms']:>9.1f} {m['p90_ms']:>9.1f} {m['fps']:>7.2f}  "
              f"{wu['iterations']} ({'settled' if wu['settled'] else 'ceiling'})")


if __name__ == "__main__":
    main()
