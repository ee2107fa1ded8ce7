"""How fast the synthetic street scenes are generated: images/s on one CPU core at 256x512.

Protocol: one process, one thread (torch.set_num_threads(1); numpy's element-wise kernels are
single-threaded), the texture bank built and 5 scenes drawn before timing, then N scenes
(seed 0, indices 0..N-1, default config) timed twice: `render` alone (uint8 image and label,
what `arena data synth` writes) and `SyntheticScenes[i]` (plus the normalised float32 tensor and
int64 label, what a DataLoader worker returns). Prints images/s from wall time and from this
process's CPU time (the per-core figure: on a shared machine wall time is inflated by other
processes, CPU time much less), and the load average. Target: >= 100 images/s per core.

    .venv/bin/python benchmarks/synthetic_speed.py [--n 300] [--res 256x512]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from arena.checks import parse_res
from arena.data.synthetic import GENERATOR_VERSION, SynthConfig, SyntheticScenes, render


def timed(fn, n):
    t, c = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - t), n / (time.process_time() - c)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--res", default="256x512")
    args = parser.parse_args()
    torch.set_num_threads(1)
    size = parse_res(args.res)
    cfg = SynthConfig()
    for i in range(5):
        render(0, i, size, cfg)
    ds = SyntheticScenes(args.n, size, seed=0, config=cfg)
    wall_r, cpu_r = timed(lambda i: render(0, i, size, cfg), args.n)
    wall_d, cpu_d = timed(lambda i: ds[i], args.n)
    print(f"synthetic scenes at {size[0]}x{size[1]}, {args.n} scenes, generator v{GENERATOR_VERSION}, config {cfg.asdict()}")
    print(f"render (uint8 image + label):       {wall_r:7.1f} images/s wall   {cpu_r:7.1f} images/s per core (CPU time)")
    print(f"dataset item (normalised tensors):  {wall_d:7.1f} images/s wall   {cpu_d:7.1f} images/s per core (CPU time)")
    print(f"1 process, 1 thread; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} (a shared machine inflates wall time)")


if __name__ == "__main__":
    main()
