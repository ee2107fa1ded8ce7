"""Per-node latency on CPU for fanet18 and gain18 at 512x1024: the three most expensive nodes, their
roofline efficiency, and the gap between the sum of node times and the end-to-end time.

Protocol: fp32 eager, batch 1, 2 threads set explicitly, final resize timed (it is a row of its own),
end-to-end median over 10 rounds after warm-up; each node timed eagerly on the inputs captured from
one forward, median of 10 after 2 warm-up calls. Roofline peaks: this CPU's calibration (cached by
`arena bench --calibrate`, measured on first use otherwise).
"""
from __future__ import annotations

import argparse

from arena.measure import bench


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nets", default="fanet18,gain18")
    ap.add_argument("--res", default="512x1024")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    h, w = (int(v) for v in args.res.split("x"))
    protocol = bench.Protocol(threads=args.threads, iters=10, warmup_min=3, warmup_max=15, warmup_window=3)
    for net in args.nets.split(","):
        (result,) = bench.bench([bench.Case(net, (h, w), protocol)], by_node=True, node_iters=10)
        d = result["metrics"]["by_node"]
        print(f"{net} @ {h}x{w}: end to end {d['end_to_end_ms']:.1f} ms, sum of nodes {d['sum_of_nodes_ms']:.1f} ms, "
              f"gap {d['gap_ms']:+.1f} ms; peaks {d['peaks']['flops'] / 1e9:.1f} GFLOP/s, "
              f"{d['peaks']['bandwidth'] / 1e9:.1f} GB/s ({d['peaks']['source']})")
        for r in sorted(d["nodes"], key=lambda r: -r["ms"])[:3]:
            print(f"  {r['node']:<12} {r['block']:<22} {r['ms']:>8.1f} ms {100 * r['share']:>5.1f} %  "
                  f"{r['macs'] / 1e9:>6.2f} GMACs  {r['bytes'] / 1e6:>7.1f} MB  bound {r['bound_ms']:>7.1f} ms  "
                  f"efficiency {100 * r['efficiency']:>5.1f} %")


if __name__ == "__main__":
    main()
