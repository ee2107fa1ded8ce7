"""How fast the synthetic street scenes are generated, beside a reference revision, in one run.

Protocol: each measurement is a fresh process with one thread (torch.set_num_threads(1); numpy's
element-wise kernels are single-threaded) that builds the texture bank and draws 5 scenes before
timing, then times N dataset items (`SyntheticScenes[i]`, seed 0, indices 0..N-1, default config:
the scene drawn plus its normalised float32 tensor and int64 label, what a DataLoader worker
returns) and N bare `render` calls (uint8 image and label, what `arena data synth` writes). The
reference tree (`git archive REV`, default bf7568e: the generator before the scene-layout split
and the centred blur) and this tree take turns, in a shuffled order each round, for `--rounds`
rounds; each side's figure is its best round, in items per second of that process's CPU time
(the per-core figure: on a shared machine wall time is inflated by other processes, CPU time
much less). Prints both, their ratio (this tree / reference; the issue's target is >= 0.97 for
dataset items) and the load average. Run it on an otherwise idle machine:

    .venv/bin/python benchmarks/synthetic_speed.py [--n 200] [--rounds 3] [--res 256x512] [--reference bf7568e]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(n: int, res: str) -> dict:
    """Time this interpreter's `arena` (whichever tree PYTHONPATH names): items/s of CPU and wall time."""
    import time

    import torch

    from arena.data.synthetic import GENERATOR_VERSION, SyntheticScenes, render

    torch.set_num_threads(1)
    h, w = (int(v) for v in res.split("x"))
    ds = SyntheticScenes(n + 5, (h, w), seed=0)
    for i in range(5):
        ds[i]

    def rate(fn) -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        for i in range(n):
            fn(i)
        return n / (time.process_time() - c), n / (time.perf_counter() - t)

    item_cpu, item_wall = rate(lambda i: ds[i])
    render_cpu, render_wall = rate(lambda i: render(0, i, (h, w)))
    return {"version": GENERATOR_VERSION, "item_cpu": item_cpu, "item_wall": item_wall,
            "render_cpu": render_cpu, "render_wall": render_wall}


def measure(tree: Path, n: int, res: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, __file__, "--worker", "--n", str(n), "--res", res], env=env,
                         cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_tree(rev: str, into: Path) -> Path:
    """The `arena` package of `rev`, unpacked from git (no checkout of the working tree is touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "arena"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="items timed per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--res", default="256x512")
    parser.add_argument("--reference", default="bf7568e", help="git revision to compare with")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.n, args.res)))
        return
    with tempfile.TemporaryDirectory(prefix="arena-synth-ref-") as tmp:
        sides = {"reference": reference_tree(args.reference, Path(tmp)), "this tree": ROOT}
        runs: dict[str, list[dict]] = {name: [] for name in sides}
        order_rng = random.Random(0)
        for _ in range(args.rounds):
            names = list(sides)
            order_rng.shuffle(names)
            for name in names:
                runs[name].append(measure(sides[name], args.n, args.res))
    best = {name: {k: max(r[k] for r in rs) for k in ("item_cpu", "item_wall", "render_cpu", "render_wall")}
            for name, rs in runs.items()}
    print(f"synthetic scenes at {args.res}, {args.n} per round, {args.rounds} rounds interleaved (shuffled order), "
          f"best round per side; 1 process, 1 thread each")
    for name in sides:
        b, v = best[name], runs[name][0]["version"]
        label = f"{name} ({args.reference})" if name == "reference" else name
        print(f"  {label:<22} generator v{v}: dataset item {b['item_cpu']:6.1f}/s per core ({b['item_wall']:6.1f}/s wall), "
              f"render {b['render_cpu']:6.1f}/s per core ({b['render_wall']:6.1f}/s wall)")
    ratio = best["this tree"]["item_cpu"] / best["reference"]["item_cpu"]
    ratio_r = best["this tree"]["render_cpu"] / best["reference"]["render_cpu"]
    print(f"  ratio this tree / reference: dataset item x{ratio:.3f}, render x{ratio_r:.3f} (target for items: >= 0.97)")
    print(f"  {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} (run it on an idle machine: other processes inflate both sides)")


if __name__ == "__main__":
    main()
