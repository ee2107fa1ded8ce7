#!/usr/bin/env bash
# The GPU checks of the bench issue, as one script for the device machine (about 8 minutes):
#   1. the nine published variants at 1024x2048, batch 1, fp32 eager (the papers' protocol, BN not folded);
#   2. the same nine in arena's fast GPU mode: fp16 + channels_last + BN folded + CUDA graphs
#      (and torch.compile reduce-overhead, when triton is there), each checked against fp32 eager;
#   3. --by-node for fanet18 and gain18;
#   4. --calibrate (GEMM per dtype, STREAM-style triad), cached and printed.
# Rows go to $OUT (bench.jsonl), with the console tables in $OUT/gpu_suite.log. Commit the rows under
# results/reference/ with their fingerprint. Run from the repository root:
#   PYTHONUNBUFFERED=1 bash benchmarks/gpu_suite.sh
# It uses the machine's own python3 and torch (CUDA); the project's pins do not apply there.
set -uo pipefail
OUT="${OUT:-$PWD/gpu_out}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" ARENA_CACHE_DIR="$OUT/cache"
arena() { python3 -m arena.cli "$@"; }
log="$OUT/gpu_suite.log"
{
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv || true
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version())"
  echo "== calibrate"
  timeout 120 arena bench --calibrate --device cuda --json
  echo "== fp32 eager, the papers' protocol"
  timeout 200 arena bench all --device cuda --res 1024x2048 --iters 100 --out "$OUT"
  echo "== fp16 + channels_last + BN folded + CUDA graphs"
  timeout 150 arena bench all --device cuda --res 1024x2048 --iters 100 --dtype fp16 --channels-last --fuse-bn \
      --cuda-graphs --out "$OUT"
  if python3 -c "import triton" 2>/dev/null; then
    echo "== fp16 + channels_last + BN folded + torch.compile reduce-overhead (fanet18, fast_scnn, gain18)"
    timeout 150 arena bench fanet18 fast_scnn gain18 --device cuda --res 1024x2048 --iters 100 --dtype fp16 \
        --channels-last --fuse-bn --compile reduce-overhead --out "$OUT"
  fi
  echo "== by node"
  timeout 90 arena bench fanet18 gain18 --device cuda --res 1024x2048 --iters 50 --by-node --out "$OUT"
} 2>&1 | tee "$log"
