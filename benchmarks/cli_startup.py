"""Wall time of `arena --help` (target under 0.5 s on the 2-core dev machine).

Protocol: N runs of the installed console script in fresh processes, median and min reported;
the first run is a warm-up (filesystem cache) and not counted.
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    exe = shutil.which("arena") or str(Path(sys.executable).with_name("arena"))
    subprocess.run([exe, "--help"], capture_output=True, check=True)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run([exe, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    print(f"arena --help: median {statistics.median(times):.3f} s, min {min(times):.3f} s over {args.runs} runs "
          f"(fresh process each; python {sys.version.split()[0]}; target < 0.5 s)")


if __name__ == "__main__":
    main()
