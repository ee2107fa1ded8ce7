#!/usr/bin/env bash
# The one GPU check: proves arena's GPU path on a bare GPU machine in at most 400 s (so a cold start of
# the machine and one rerun fit in 15 minutes of device time).
#
#   bash benchmarks/gpu_check.sh            run it (from the repository root, on the GPU machine)
#   bash benchmarks/gpu_check.sh --dry-run  print the plan (every step's budget, the networks it times,
#                                           the total) and check it (bash syntax, every arena CLI call
#                                           parsed by the CLI's parser); no GPU call
#   bash benchmarks/gpu_check.sh --stamp    write .gpu_check_commit (this checkout's commit) before the
#                                           tree is copied to a GPU machine that has no .git
#
# It uses the machine's own python3 and torch (CUDA), not the project's CPU pin (PYTHON=... to choose
# another interpreter), with PYTHONPATH=$PWD: only the project's files, nothing installed. The rows
# record the commit the tree was copied from: git's HEAD, else ARENA_GIT_COMMIT, else .gpu_check_commit.
# Steps, most important first, each with its own time-out and skipped when less time is left than it
# needs (the budget, GPU_CHECK_BUDGET_S, defaults to 400 s; GPU_CHECK_ONLY=name[:seconds],... runs
# only those steps, e.g. to rerun one):
#   1 env           nvidia-smi, versions, ONNX Runtime's providers
#   2 fp32-eager    NETS_FULL at 1024x2048, batch 1, fp32 eager, TF32 off: one process per network,
#                   each appending its row as it finishes (a timed-out step keeps what it measured)
#   3 fast-mode     the same networks: fp16 + channels_last + BN folded + CUDA graphs, checked against fp32
#   4 train-twins   AMP training of fast_scnn with an interrupted-and-resumed twin, --deterministic and not
#   5 ddp           a one-rank NCCL all-reduce; two gloo ranks sharing cuda:0 through the training loop;
#                   on a one-GPU machine, two ranks on `--device cuda` refused in one line
#   then, optional, in the time left: 6 calibrate (arena bench --calibrate), 7 by-node (fanet18 and
#   gain18, the noise check), 8 rest-512 (NETS_REST at 512x1024), 9 gpu-tests (pytest -m gpu),
#   10 reduce-overhead (fanet18 with torch.compile(mode="reduce-overhead")).
# It writes five flat files to $OUT (default ./gpu_check_out): bench.jsonl (the rows, with their
# fingerprint), peaks.json (the calibration), checks.jsonl, steps.tsv and gpu_check.log; the tables
# (per variant, then the steps) come last.
set -uo pipefail

DRY=0
case "${1:-}" in
  --dry-run) DRY=1 ;;
  --stamp) commit=$(git rev-parse HEAD) || exit 2
           git diff --quiet HEAD 2>/dev/null || echo "warning: uncommitted changes: the rows will name $commit" >&2
           echo "$commit" > .gpu_check_commit && echo "wrote .gpu_check_commit ($commit)"; exit 0 ;;
  "") ;;
  *) echo "usage: bash benchmarks/gpu_check.sh [--dry-run | --stamp]" >&2; exit 2 ;;
esac
[ -f benchmarks/gpu_check.py ] || { echo "run it from the repository root" >&2; exit 2; }

PY="${PYTHON:-python3}"
BUDGET_S="${GPU_CHECK_BUDGET_S:-400}"
RESERVE_S=10   # kept for the tables at the end
OUT="${OUT:-$PWD/gpu_check_out}"
SCRATCH="${TMPDIR:-/tmp}/arena-gpu-check.$$"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" ARENA_CACHE_DIR="$OUT" PYTHONUNBUFFERED=1
ARENA="$PY -m arena.cli"
BENCH="${GPU_CHECK_BENCH:-$ARENA bench}"   # the command that times one network (a test fakes it)
TORCHRUN="$PY -m torch.distributed.run --standalone"
RES=1024x2048
# the five seed families' representatives and two newer families, at the papers' 1024x2048
NETS_FULL="fanet18 fast_scnn s2fpn18 sgcpnet gain18 stdc1_seg pidnet_s"
# every other shipped Cityscapes variant, at 512x1024, if time is left
NETS_REST="fanet34 s2fpn34 s2fpn34m gain_df2 ddrnet23_slim ddrnet23 pidnet_m pidnet_l stdc2_seg bisenetv2"
COMMIT="$(git rev-parse HEAD 2>/dev/null || true)"
COMMIT="${COMMIT:-${ARENA_GIT_COMMIT:-$(cat .gpu_check_commit 2>/dev/null || true)}}"
[ -n "$COMMIT" ] && export ARENA_GIT_COMMIT="$COMMIT"

NAMES=(); TIMEOUTS=(); NEEDS=(); CMDS=(); NETS=(); OPTIONAL=()
# name, time-out s, needs s, command, networks it times (words), optional (1: only in the time left)
step() { NAMES+=("$1"); TIMEOUTS+=("$2"); NEEDS+=("$3"); CMDS+=("$4"); NETS+=("$5"); OPTIONAL+=("$6"); }
# one process per network, appending its row when it finishes; the step fails if any network failed
each() { echo "rc=0; for n in $1; do $BENCH \$n $2 || rc=1; done; exit \$rc"; }

step env 15 5 "nvidia-smi; $PY benchmarks/gpu_check.py env $OUT" "" 0
step fp32-eager 95 40 "$(each "$NETS_FULL" "--device cuda --res $RES --iters 50 --out $OUT")" "$NETS_FULL" 0
step fast-mode 100 40 "$(each "$NETS_FULL" "--device cuda --res $RES --iters 50 --dtype fp16 --channels-last \
--fuse-bn --cuda-graphs --out $OUT")" "$NETS_FULL" 0
step train-twins 75 45 "$PY benchmarks/gpu_check.py train-twins $OUT" "fast_scnn" 0
step ddp 50 30 "$PY benchmarks/gpu_check.py nccl-one-rank $OUT \
&& $TORCHRUN --nproc-per-node 2 -m arena.cli train fast_scnn --device cuda:0 --schedule smoke --iters 4 \
--threads 2 --out $SCRATCH/ddp && grep -q '\"backend\": \"gloo\"' $SCRATCH/ddp/train.jsonl \
&& echo 'two gloo ranks on cuda:0: ok' \
&& if [ \"\$(nvidia-smi -L | wc -l)\" = 1 ]; then $TORCHRUN --nproc-per-node 2 -m arena.cli train fast_scnn \
--device cuda --iters 2 --out $SCRATCH/refused 2>&1 | grep -m1 'has no GPU'; fi" "fast_scnn" 0
step calibrate 30 20 "$ARENA bench --calibrate --device cuda" "" 1
step by-node 40 30 "$ARENA bench fanet18 gain18 --device cuda --res $RES --iters 50 --by-node --out $OUT \
&& $PY benchmarks/gpu_check.py noise $OUT" "fanet18 gain18" 1
step rest-512 60 20 "$(each "$NETS_REST" "--device cuda --res 512x1024 --iters 50 --out $OUT")" "$NETS_REST" 1
step gpu-tests 60 40 "$PY -m pytest -m gpu -k 'not reduce_overhead' -q -p no:cacheprovider tests/measure/test_gpu.py \
tests/measure/test_bench.py tests/measure/test_peaks.py tests/measure/test_onnx_backend.py tests/train/test_gpu_train.py" \
"" 1
step reduce-overhead 60 45 "$ARENA bench fanet18 --device cuda --res $RES --iters 50 --dtype fp16 --channels-last \
--fuse-bn --compile reduce-overhead --out $OUT" "fanet18" 1

if [ -n "${GPU_CHECK_ONLY:-}" ]; then   # name[:seconds],...: only these steps (a rerun), time-outs overridden
  keep_n=(); keep_t=(); keep_need=(); keep_c=(); keep_nets=(); keep_o=()
  for want in ${GPU_CHECK_ONLY//,/ }; do
    found=0
    for i in "${!NAMES[@]}"; do
      [ "${NAMES[$i]}" = "${want%%:*}" ] || continue
      found=1; t="${TIMEOUTS[$i]}"; need="${NEEDS[$i]}"
      if [ "$want" != "${want%%:*}" ]; then t="${want#*:}"; need=1; fi
      keep_n+=("${NAMES[$i]}"); keep_t+=("$t"); keep_need+=("$need"); keep_c+=("${CMDS[$i]}")
      keep_nets+=("${NETS[$i]}"); keep_o+=("${OPTIONAL[$i]}")
    done
    [ "$found" = 1 ] || { echo "GPU_CHECK_ONLY: no step ${want%%:*} (the steps: ${NAMES[*]})" >&2; exit 2; }
  done
  NAMES=("${keep_n[@]}"); TIMEOUTS=("${keep_t[@]}"); NEEDS=("${keep_need[@]}"); CMDS=("${keep_c[@]}")
  NETS=("${keep_nets[@]}"); OPTIONAL=("${keep_o[@]}")
fi

if [ "$DRY" = 1 ]; then
  command -v "$PY" >/dev/null || { echo "dry run: no $PY (set PYTHON=...)" >&2; exit 1; }
  bad=0; required=0
  for i in "${!NAMES[@]}"; do
    kind=required; [ "${OPTIONAL[$i]}" = 1 ] && kind="optional, in the time left"
    [ "${OPTIONAL[$i]}" = 1 ] || required=$((required + TIMEOUTS[i]))
    printf '%s. %s (time-out %s s, skipped with less than %s s left; %s)\n' "$((i + 1))" "${NAMES[$i]}" \
      "${TIMEOUTS[$i]}" "${NEEDS[$i]}" "$kind"
    [ -n "${NETS[$i]}" ] && printf '   networks: %s\n' "${NETS[$i]}"
    printf '   %s\n' "${CMDS[$i]}"
    bash -n -c "${CMDS[$i]}" || { echo "   bash syntax error in step ${NAMES[$i]}"; bad=1; }
  done
  echo "total: at most $BUDGET_S s (GPU_CHECK_BUDGET_S; $RESERVE_S s of it kept for the tables); required steps" \
       "$required s, the optional ones use what is left"
  [ "$((required + RESERVE_S))" -le "$BUDGET_S" ] || { echo "the required steps do not fit the budget"; bad=1; }
  [ -n "$COMMIT" ] && echo "rows will record commit $COMMIT" || \
    echo "warning: no commit to record (no .git here): run \`bash benchmarks/gpu_check.sh --stamp\` before copying"
  "$PY" -m py_compile benchmarks/gpu_check.py || bad=1
  "$PY" benchmarks/gpu_check.py check-cli "${CMDS[@]}" || bad=1
  [ "$bad" = 0 ] && echo "dry run: ${#NAMES[@]} steps, syntax ok, budget $BUDGET_S s, output to $OUT"
  exit "$bad"
fi

mkdir -p "$OUT" "$SCRATCH"
: > "$OUT/steps.tsv"
exec > >(tee -a "$OUT/gpu_check.log") 2>&1
START=$(date +%s)
[ -n "$COMMIT" ] && echo "== commit $COMMIT" || echo "== warning: no commit recorded (no .git, no ARENA_GIT_COMMIT, \
no .gpu_check_commit): the rows' git_commit will be null"
for i in "${!NAMES[@]}"; do
  name="${NAMES[$i]}"
  left=$((BUDGET_S - ($(date +%s) - START) - RESERVE_S))
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
