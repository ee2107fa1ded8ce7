#!/usr/bin/env bash
# The one GPU check: proves arena's GPU path on a bare GPU machine in under 9 minutes.
#
#   bash benchmarks/gpu_check.sh            run it (from the repository root, on the GPU machine)
#   bash benchmarks/gpu_check.sh --dry-run  print every step's command and check it (bash syntax, every
#                                           arena CLI call parsed by the CLI's parser); no GPU call
#
# It uses the machine's own python3 and torch (CUDA), not the project's CPU pin (PYTHON=... to choose
# another interpreter), with PYTHONPATH=$PWD: only the project's files, nothing installed. fvcore,
# ptflops and ray are not needed. Steps, in order, each with its own time-out and skipped when less
# time is left than it needs (the budget, GPU_CHECK_BUDGET_S, defaults to 530 s):
#   1 env           nvidia-smi, versions, ONNX Runtime's providers
#   2 calibrate     arena bench --calibrate --device cuda (H200: about 790 TFLOP/s bf16, 4 TB/s)
#   3 fp32-eager    the nine published variants at 1024x2048, batch 1, fp32 eager, TF32 off
#   4 fast-mode     the same nine: fp16 + channels_last + BN folded + CUDA graphs, checked against fp32 eager
#   5 by-node       fanet18 and gain18 by node (every efficiency <= 1; end-to-end medians of this second
#                   process against step 3's, the noise check)
#   6 train-twins   AMP training of fast_scnn with an interrupted-and-resumed twin, --deterministic and not
#   7 ddp           a one-rank NCCL all-reduce; two gloo ranks sharing cuda:0 through the training loop;
#                   on a one-GPU machine, two ranks on `--device cuda` refused in one line
#   8 gpu-tests     the suite's GPU tests (pytest -m gpu; reduce-overhead is step 9's)
#   9 reduce-overhead  fanet18 with torch.compile(mode="reduce-overhead") in the fast mode, if time is left
# It writes five flat files to $OUT (default ./gpu_check_out): bench.jsonl (the rows, with their
# fingerprint), peaks.json (the calibration), checks.jsonl, steps.tsv and gpu_check.log; the tables
# (per variant, then the steps) come last.
set -uo pipefail

DRY=0
case "${1:-}" in
  --dry-run) DRY=1 ;;
  "") ;;
  *) echo "usage: bash benchmarks/gpu_check.sh [--dry-run]" >&2; exit 2 ;;
esac
[ -f benchmarks/gpu_check.py ] || { echo "run it from the repository root" >&2; exit 2; }

PY="${PYTHON:-python3}"
BUDGET_S="${GPU_CHECK_BUDGET_S:-530}"
OUT="${OUT:-$PWD/gpu_check_out}"
SCRATCH="${TMPDIR:-/tmp}/arena-gpu-check.$$"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" ARENA_CACHE_DIR="$OUT" PYTHONUNBUFFERED=1
ARENA="$PY -m arena.cli"
TORCHRUN="$PY -m torch.distributed.run --standalone"
RES=1024x2048

NAMES=(); TIMEOUTS=(); NEEDS=(); CMDS=()
step() { NAMES+=("$1"); TIMEOUTS+=("$2"); NEEDS+=("$3"); CMDS+=("$4"); }   # name, time-out s, needs s, command

step env 40 5 "nvidia-smi; $PY benchmarks/gpu_check.py env $OUT"
step calibrate 90 30 "$ARENA bench --calibrate --device cuda"
step fp32-eager 150 60 "$ARENA bench all --device cuda --res $RES --iters 100 --out $OUT"
step fast-mode 150 60 "$ARENA bench all --device cuda --res $RES --iters 100 --dtype fp16 --channels-last \
--fuse-bn --cuda-graphs --out $OUT"
step by-node 100 40 "$ARENA bench fanet18 gain18 --device cuda --res $RES --iters 100 --by-node --out $OUT \
&& $PY benchmarks/gpu_check.py noise $OUT"
step train-twins 150 60 "$PY benchmarks/gpu_check.py train-twins $OUT"
step ddp 100 40 "$PY benchmarks/gpu_check.py nccl-one-rank $OUT \
&& $TORCHRUN --nproc-per-node 2 -m arena.cli train fast_scnn --device cuda:0 --schedule smoke --iters 4 \
--threads 2 --out $SCRATCH/ddp && grep -q '\"backend\": \"gloo\"' $SCRATCH/ddp/train.jsonl \
&& echo 'two gloo ranks on cuda:0: ok' \
&& if [ \"\$(nvidia-smi -L | wc -l)\" = 1 ]; then $TORCHRUN --nproc-per-node 2 -m arena.cli train fast_scnn \
--device cuda --iters 2 --out $SCRATCH/refused 2>&1 | grep -m1 'has no GPU'; fi"
step gpu-tests 150 40 "$PY -m pytest -m gpu -k 'not reduce_overhead' -q -p no:cacheprovider tests/measure/test_gpu.py \
tests/measure/test_bench.py tests/measure/test_peaks.py tests/measure/test_onnx_backend.py tests/train/test_gpu_train.py"
step reduce-overhead 300 90 "$ARENA bench fanet18 --device cuda --res $RES --iters 100 --dtype fp16 --channels-last \
--fuse-bn --compile reduce-overhead --out $OUT"

if [ "$DRY" = 1 ]; then
  command -v "$PY" >/dev/null || { echo "dry run: no $PY (set PYTHON=...)" >&2; exit 1; }
  bad=0
  for i in "${!NAMES[@]}"; do
    printf '%s. %s (time-out %s s, skipped with less than %s s left)\n   %s\n' "$((i + 1))" "${NAMES[$i]}" \
      "${TIMEOUTS[$i]}" "${NEEDS[$i]}" "${CMDS[$i]}"
    bash -n -c "${CMDS[$i]}" || { echo "   bash syntax error in step ${NAMES[$i]}"; bad=1; }
  done
  "$PY" -m py_compile benchmarks/gpu_check.py || bad=1
  "$PY" benchmarks/gpu_check.py check-cli "${CMDS[@]}" || bad=1
  [ "$bad" = 0 ] && echo "dry run: ${#NAMES[@]} steps, syntax ok, budget $BUDGET_S s, output to $OUT"
  exit "$bad"
fi

mkdir -p "$OUT" "$SCRATCH"
: > "$OUT/steps.tsv"
exec > >(tee -a "$OUT/gpu_check.log") 2>&1
START=$(date +%s)
for i in "${!NAMES[@]}"; do
  name="${NAMES[$i]}"
  left=$((BUDGET_S - ($(date +%s) - START) - 10))   # 10 s kept for the tables
  if [ "$left" -lt "${NEEDS[$i]}" ]; then
    echo "== ${name}: skipped (${left} s left, needs ${NEEDS[$i]} s)"
    printf '%s\tskipped\t0\t%s s left\n' "$name" "$left" >> "$OUT/steps.tsv"
    continue
  fi
  limit=$(( ${TIMEOUTS[$i]} < left ? ${TIMEOUTS[$i]} : left ))
  echo "== ${name} (time-out ${limit} s): ${CMDS[$i]}"
  t0=$(date +%s)
  timeout -k 10 "$limit" bash -c "${CMDS[$i]}" 2>&1 | tee "$SCRATCH/step.out"
  rc=${PIPESTATUS[0]}
  case "$rc" in 0) status=ok ;; 124|137) status=timed-out ;; *) status="failed($rc)" ;; esac
  last=$(grep -v '^\s*$' "$SCRATCH/step.out" | tail -1 | tr '\t' ' ' | cut -c1-200)
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$(( $(date +%s) - t0 ))" "$last" >> "$OUT/steps.tsv"
done
rm -rf "$SCRATCH"
"$PY" benchmarks/gpu_check.py report "$OUT" "$OUT/steps.tsv"
