"""arena's best CPU mode against plain eager, per published variant, interleaved in one run.

Candidates for "best": (a) BN folded + channels_last + torch.compile (inductor, freezing on),
(b) ONNX Runtime (CPU provider, graph optimisation ALL, which folds BN itself) when the `onnx`
extra is installed. For each variant, eager and every candidate are timed interleaved
(E A B E A B ...), after each has warmed up; the faster candidate is the variant's best mode. The
figure is eager median / best median, with the spread of the per-round ratio, and the check that
the best mode did not change the answer (max relative difference of the logits and argmax
agreement against fp32 eager on the same input). Targets: >= 1.3x per variant, >= 1.5x geometric mean.
Compile and export times are reported apart, never inside the timing.
"""
from __future__ import annotations

import argparse
import importlib.util
import math

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
    common = dict(threads=args.threads, iters=args.iters, warmup_min=3, warmup_max=15, warmup_window=3)
    modes = {"eager": bench.Protocol(**common),
             "fold+cl+compile": bench.Protocol(fuse_bn=True, channels_last=True, compile="default", **common)}
    if importlib.util.find_spec("onnxruntime"):
        modes["onnxruntime"] = bench.Protocol(backend="onnxruntime", **common)
    print(f"protocol: CPU, {args.threads} threads, fp32, batch 1, {h}x{w}, {args.iters} interleaved rounds per "
          f"variant over modes {', '.join(modes)}; timed: forward + final resize; speed-up = eager / best")
    print(f"{'variant':<10} {'eager ms':>9} " + " ".join(f"{m:>16}" for m in list(modes)[1:]) +
          f"  {'best':<16} {'speed-up [p10, p90]':<24} answer")
    speedups = []
    for net in args.nets.split(","):
        cases = [bench.Case(net, (h, w), p, label=name) for name, p in modes.items()]
        results = bench.bench(cases)
        eager = results[0]["metrics"]
        cands = results[1:]
        best = min(cands, key=lambda r: r["metrics"]["median_ms"])
        ratios = [e / b for e, b in zip(eager["times_ms"], best["metrics"]["times_ms"])]
        ratios.sort()
        speedup = eager["median_ms"] / best["metrics"]["median_ms"]
        speedups.append(speedup)
        acc = best["metrics"]["accuracy"]
        answer = (f"rel {acc['rel_diff']:.1e}, argmax {100 * acc['argmax_agreement']:.2f} %"
                  + (" CHANGED" if acc["flagged"] else " same"))
        setup = best["metrics"]["setup"]
        extra = f" (compile {setup['compile_s']:.0f} s)" if "compile_s" in setup else \
            (f" (export {setup['export_s']:.0f} s)" if "export_s" in setup else "")
        p10, p90 = bench.percentile(ratios, 10), bench.percentile(ratios, 90)
        print(f"{net:<10} {eager['median_ms']:>9.1f} " + " ".join(f"{r['metrics']['median_ms']:>13.1f} ms" for r in cands)
              + f"  {best['label']:<16} {speedup:>5.2f}x [{p10:.2f}, {p90:.2f}]{'':<6} {answer}{extra}")
    geo = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
    print(f"geometric mean speed-up {geo:.2f}x (target 1.5x); minimum {min(speedups):.2f}x (target 1.3x)")


if __name__ == "__main__":
    main()
