"""Deployment modes on this CPU: eager, torch.compile, ONNX Runtime and OpenVINO, fp32 and int8.

Part 1, speed: for every published variant at 512x1024, batch 1, two threads, the six modes (eager,
compile default, ORT fp32, ORT int8, OpenVINO fp32, OpenVINO int8) are timed interleaved in one run
(per-round shuffled order), each mode's ratio to eager with its paired 95 % interval, its argmax
agreement with fp32 eager on the same input (random weights: for int8 that figure is meaningless; part
2 measures it), and its roofline efficiency (the network's bound at the mode's dtype over the measured
time, arena.measure.network_bound). Geometric means over the variants, per mode.

Part 2, accuracy: fast_scnn, sgcpnet and fanet18 trained on the demo schedule (synthetic data), then
`arena eval`'s code on the validation split for eager fp32, ORT and OpenVINO in fp32 and int8: mIoU,
Δ to fp32 eager with the per-image paired interval, argmax agreement.

Targets (issue 27): the best mode within 1 mIoU point of fp32 eager at >= 3x eager as a geometric mean;
no fp32 mode changing more than 0.5 % of argmax pixels. `--quick` runs a tiny version (3 rounds,
2 calibration images, the smoke schedule, 4 validation images) that checks the script, not the figures.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import tempfile

from arena.checks import parse_res
from arena.measure import bench
from arena.networks import PUBLISHED

MODES = [("eager", "eager", "fp32", "none"), ("compile", "eager", "fp32", "default"),
         ("ORT fp32", "onnxruntime", "fp32", "none"), ("ORT int8", "onnxruntime", "int8", "none"),
         ("OpenVINO fp32", "openvino", "fp32", "none"), ("OpenVINO int8", "openvino", "int8", "none")]
TRAINED = "fast_scnn,sgcpnet,fanet18"


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def speed(args) -> None:
    res = parse_res(args.res)
    common = dict(threads=args.threads, iters=args.iters, warmup_min=3, warmup_max=15, warmup_window=3,
                  calibration=args.speed_calibration)
    modes = [m for m in MODES if m[1] == "eager" or importlib.util.find_spec(m[1])]
    print(f"part 1: CPU, {args.threads} threads, batch 1, {res[0]}x{res[1]}, {args.iters} interleaved rounds "
          f"(shuffled per round); timed: forward + final resize; int8 calibrated on {args.speed_calibration} "
          f"synthetic training images (scales, not speed); ratio = mode / eager time [95 % CI], < 1 is faster")
    print(f"{'variant':<12} {'eager ms':>9} {'roof':>5} " + " ".join(f"{name:>28}" for name, *_ in modes[1:]))
    ratios: dict[str, list[float]] = {name: [] for name, *_ in modes[1:]}
    efficiencies: dict[str, list[float]] = {name: [] for name, *_ in modes}
    peaks_sources: set[str] = set()
    for net in args.nets.split(","):
        cases = [bench.Case(net, res, bench.Protocol(backend=b, dtype=dt, compile=c, **common), label=name)
                 for name, b, dt, c in modes]
        results = bench.bench(cases)
        cells = []
        for r in results:
            bound = r["metrics"].get("roofline") or {}
            if "efficiency" in bound:
                efficiencies[r["label"]].append(bound["efficiency"])
                peaks_sources.add(f"{bound['dtype']}: {bound['peaks_source']}")
        for r in results[1:]:
            m = r["metrics"]
            ratio, acc = m["ratio_to_reference"], m["accuracy"]
            ratios[r["label"]].append(ratio["geomean"])
            cells.append(f"x{ratio['geomean']:.2f} [{ratio['ci_low']:.2f},{ratio['ci_high']:.2f}] "
                         f"{100 * acc['argmax_agreement']:.1f}% {_percent(m.get('roofline'))}")
        print(f"{net:<12} {results[0]['metrics']['median_ms']:>9.1f} {_percent(results[0]['metrics'].get('roofline'))} "
              + " ".join(f"{c:>28}" for c in cells))
    print("geometric mean of the ratios: " + ", ".join(f"{k} x{geomean(v):.2f} (speed-up {1 / geomean(v):.2f}x)"
                                                     for k, v in ratios.items()))
    print("geometric mean of the roofline efficiency: " + ", ".join(f"{k} {100 * geomean(v):.1f} %"
                                                                    for k, v in efficiencies.items() if v))
    print("(each cell: ratio [95 % CI], argmax agreement with fp32 eager (int8's is on random weights), and the "
          "time's share of the network's roofline bound at the mode's dtype (arena.measure.network_bound); "
          f"peaks {'; '.join(sorted(peaks_sources)) or 'unknown'})")


def _percent(bound: dict | None) -> str:
    """The roofline efficiency as a short cell ('-' where no bound could be formed)."""
    return f"{100 * bound['efficiency']:4.1f}%" if bound and "efficiency" in bound else "    -"


def accuracy(args) -> None:
    import torch

    from arena.api import build
    from arena.data import open_dataset
    from arena.measure.weights import load_into, read_source
    from arena.train import deploy
    from arena.train.loop import TrainConfig, train

    modes = deploy.eval_modes([b for b in ("eager", "onnxruntime", "openvino") if b == "eager"
                               or importlib.util.find_spec(b)], ["fp32", "int8"])
    print(f"\npart 2: {args.schedule} schedule on synthetic data, seed 0; evaluated at the training crop on the "
          f"validation split; int8 calibrated on {args.calibration} training images (seed 0)")
    with tempfile.TemporaryDirectory() as out:
        for spec in args.trained.split(","):
            torch.manual_seed(0)
            run = train(TrainConfig(spec=spec, schedule=args.schedule, threads=args.threads, out=out))
            net = build(spec)
            source = read_source(str(run.folder))
            load_into(net, source, str(run.folder))
            val, desc = open_dataset("synthetic", "val", crop=source["crop"], length=source["val_images"])
            results = deploy.evaluate_modes(net, modes, val, net.classes, desc["class_names"], source["crop"],
                                            threads=args.threads, limit=args.limit,
                                            calibration={"size": args.calibration, "seed": 0, "data": "synthetic"})
            for k, r in enumerate(results):
                i = r["delta_interval"]
                delta = "reference" if k == 0 else (f"{100 * r['delta_miou']:+.2f} points, per image "
                                                    f"{100 * i['mean']:+.2f} [{100 * i['low']:+.2f}, {100 * i['high']:+.2f}]")
                print(f"{spec:<12} {r['mode']['backend'] + ' ' + r['mode']['dtype']:<18} mIoU {100 * r['miou']:6.2f} %  "
                      f"{delta:<46} argmax agreement {100 * r['argmax_agreement']:.2f} %  ({r['images']} images)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--res", default="512x1024")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nets", default=",".join(PUBLISHED), help="networks of part 1, the speed ('' skips it)")
    ap.add_argument("--calibration", type=int, default=300,
                    help="int8 calibration images of part 2, the accuracy (default 300)")
    ap.add_argument("--speed-calibration", type=int, default=4,
                    help="int8 calibration images of part 1, the speed: they set the scales, not the kernels "
                         "(default 4, as `arena eval`'s bench uses one)")
    ap.add_argument("--trained", default=TRAINED, help="networks to train and evaluate per mode ('' skips part 2)")
    ap.add_argument("--schedule", default="demo")
    ap.add_argument("--limit", type=int, default=None, help="evaluate the first N validation images")
    ap.add_argument("--quick", action="store_true", help="a tiny run that checks the script, not the figures")
    args = ap.parse_args()
    if args.quick:
        args.iters, args.calibration, args.speed_calibration, args.schedule, args.limit = 3, 2, 1, "smoke", 4
    if args.nets:
        speed(args)
    if args.trained:
        accuracy(args)


if __name__ == "__main__":
    main()
