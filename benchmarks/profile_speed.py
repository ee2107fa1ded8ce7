"""How long `arena profile` of every published variant at 1024x2048 takes with the primary counter.

Protocol: one fresh process (so torch's import and the one-time meta-kernel warm-up are paid
once, as a user running the command pays them), networks built on the meta device, the primary
counter only (no cross-checks), no rows written. Prints wall and CPU seconds, from just after
`import torch` to the last profile, and the same including the import, plus the machine's load
average (wall time on a shared machine is inflated by other processes; CPU time is not).

    .venv/bin/python benchmarks/profile_speed.py
"""
from __future__ import annotations

import os
import time

t_start, c_start = time.perf_counter(), time.process_time()
import torch  # noqa: E402

from arena.measure.profile import PUBLISHED, profile  # noqa: E402

t0, c0 = time.perf_counter(), time.process_time()
for name in PUBLISHED:
    t = time.perf_counter()
    p = profile(name, (1024, 2048))
    print(f"{name:10s} {p['gmacs']:9.3f} GMACs  {p['params_inference']:>11,d} params  "
          f"{time.perf_counter() - t:5.2f} s")
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(f"\n{len(PUBLISHED)} variants @1024x2048, primary counter: {wall:.2f} s wall, {cpu:.2f} s CPU "
      f"(with import: {time.perf_counter() - t_start:.2f} s wall, {time.process_time() - c_start:.2f} s CPU)")
print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
