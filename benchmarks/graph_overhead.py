"""GraphNet's interpretive overhead: eager GraphNet forward vs the same model traced by torch.fx.

Protocol: CPU, fp32, batch 1, eval + no_grad, fixed input; both models share weights; warm-up 2
iterations each; then A/B interleaved iterations (drift hits both sides); medians and their ratio
in one run (target <= 1.03). Threads = torch.get_num_threads(), printed.
"""
import argparse
import statistics
import time

import torch

import arena


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", default="fast_scnn")
    parser.add_argument("--res", default="512x1024")
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    h, w = (int(v) for v in args.res.split("x"))
    net = arena.build(args.spec).eval()
    traced = torch.fx.symbolic_trace(net)
    x = torch.randn(1, 3, h, w)
    times = {"eager": [], "fx": []}
    with torch.no_grad():
        for model in (net, traced, net, traced):
            model(x)
        for _ in range(args.iters):
            for name, model in (("eager", net), ("fx", traced)):
                t0 = time.perf_counter()
                model(x)
                times[name].append(time.perf_counter() - t0)
    eager, fx = statistics.median(times["eager"]), statistics.median(times["fx"])
    print(f"{net.canonical} @ {h}x{w}, CPU fp32, batch 1, {torch.get_num_threads()} threads, "
          f"{args.iters} interleaved iterations")
    print(f"eager GraphNet median {eager * 1e3:.1f} ms, fx-traced median {fx * 1e3:.1f} ms, "
          f"ratio eager/fx = {eager / fx:.3f} (target <= 1.03)")


if __name__ == "__main__":
    main()
