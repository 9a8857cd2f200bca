#!/usr/bin/env bash
# One prepared run of the course on a GPU machine (CUDA torch present, no network), from the repo root:
#     bash benchmarks/device_check.sh [--dry-run] [STAGE...]
# STAGE is any of: quick (every lesson in quick mode, on the GPU), mixed (MixedPrecision in float16 against float32),
# bench (Learner / bare-loop ratios, CPU MLP and GPU CNN), to98 (wall time to 98% on MNIST), full09, full10 (full
# mode of 09_rnn with 09a_gru_lstm, and of 10_cifar_resnet with 10a_bigger_resnet), long09 (09_rnn in full mode with
# DL_FOUNDATIONS_LONG=1: the LSTM on to the lecture's 80 epochs, its 17-epoch figure on the way); default: all but
# full09 (long09 covers it), in that order.
# Each stage is timed; on a 10-minute command limit, run them in several calls, e.g. "quick mixed bench to98", then
# "long09", then "full10".
# It uses what benchmarks/device_carry.sh prepared: wheels in .whl/ and data in _course/carry/data (carry both).
# Results go to $OUT (or _course/device/): summary.txt, device.log, notebooks.tgz (executed notebooks), bench.txt.
# --dry-run: a tiny CPU-only rehearsal (lesson 00 in quick mode, tiny benchmarks, no full mode) to test the script.
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=0; if [[ "${1:-}" == "--dry-run" ]]; then DRY=1; shift; fi
STAGES=${*:-quick mixed bench to98 long09 full10}
OUT=${OUT:-_course/device}; mkdir -p "$OUT"
LOG="$OUT/device.log"; SUMMARY="$OUT/summary.txt"; BENCH="$OUT/bench.txt"
: > "$SUMMARY"; : > "$BENCH"
say() { echo "$*" | tee -a "$SUMMARY"; }
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" DL_FOUNDATIONS_CACHE="$PWD/_course/cache"

# 1. The toolchain: a venv on top of the machine's torch, the carried wheels installed into it.
if [[ $DRY == 1 ]]; then VPY=${VPY:-.venv/bin/python}
else
    "$PY" -c 'import torch; assert torch.cuda.is_available(), "no CUDA GPU visible"' \
        || { say "FAILED: this machine's python has no CUDA torch (needed: torch with CUDA, numpy, pillow)"; exit 1; }
    "$PY" -m venv --system-site-packages /tmp/dlf-venv && VPY=/tmp/dlf-venv/bin/python
    [[ -f .whl/requirements.txt ]] || { say "FAILED: no .whl/requirements.txt: run benchmarks/device_carry.sh and carry .whl"; exit 1; }
    "$VPY" -m pip install -q --no-index --find-links .whl -r .whl/requirements.txt >> "$LOG" 2>&1 \
        || { say "FAILED: installing the carried wheels (see device.log)"; tail -20 "$LOG"; exit 1; }
fi
"$VPY" - <<'PY' | tee -a "$SUMMARY"
import sys, torch
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none (CPU only)'
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, GPU: {gpu}")
PY

# 2. The data: the carried copy (the big MNIST file unpacked back to its canonical name) unless DL_FOUNDATIONS_DATA is set.
if [[ -z "${DL_FOUNDATIONS_DATA:-}" && -d _course/carry/data ]]; then
    export DL_FOUNDATIONS_DATA="$PWD/_course/carry/data"
    gz=_course/carry/data/mnist/train-images.carry.gz
    [[ -f $gz && ! -f _course/carry/data/mnist/train-images-idx3-ubyte ]] && gunzip -c "$gz" > _course/carry/data/mnist/train-images-idx3-ubyte
fi
say "data: ${DL_FOUNDATIONS_DATA:-none (stand-ins)}"

stage() {  # stage NAME COMMAND...: run, time, record ok/FAILED
    local name=$1; shift; local start=$SECONDS
    echo "=== $name: $*" >> "$LOG"
    if "$@" >> "$LOG" 2>&1; then say "$name: ok ($((SECONDS - start)) s)"; else say "$name: FAILED ($((SECONDS - start)) s, see device.log)"; fi
}
for s in $STAGES; do case $s in
  quick)  if [[ $DRY == 1 ]]; then stage quick "$VPY" tools/run_lessons.py --lesson 00
          else stage quick "$VPY" tools/run_lessons.py; fi ;;
  mixed)  stage mixed bash -c "'$VPY' benchmarks/bench_mixed_precision.py $([[ $DRY == 1 ]] && echo '--n-train 1024 --epochs 1') | tee -a '$BENCH'" ;;
  bench)  if [[ $DRY == 1 ]]; then
              stage bench bash -c "'$VPY' benchmarks/bench_learner.py --repeats 1 --n-train 2000 | tee -a '$BENCH'"
          else
              stage bench bash -c "'$VPY' benchmarks/bench_learner.py --repeats 9 | tee -a '$BENCH' && '$VPY' benchmarks/bench_cnn.py --quick | tee -a '$BENCH'"
          fi ;;
  to98)   stage to98 bash -c "'$VPY' benchmarks/time_to_98.py $([[ $DRY == 1 ]] && echo '--n-train 2048 --epochs 1 --target 0.5') | tee -a '$BENCH'" ;;
  full09) [[ $DRY == 1 ]] && say "full09: skipped in a dry run" || stage full09 "$VPY" tools/run_lessons.py --full --lesson 09 ;;
  full10) [[ $DRY == 1 ]] && say "full10: skipped in a dry run" || stage full10 "$VPY" tools/run_lessons.py --full --lesson 10 ;;
  long09) [[ $DRY == 1 ]] && say "long09: skipped in a dry run" \
              || stage long09 env DL_FOUNDATIONS_LONG=1 "$VPY" tools/run_lessons.py --full --lesson 09 ;;
  *) say "unknown stage $s (quick mixed bench to98 full09 full10 long09)" ;;
esac; done

# 3. Results: the figures each executed notebook recorded, and the notebooks themselves in one archive.
cat _course/quick/*.jsonl _course/full/*.jsonl 2>/dev/null > "$OUT/figures.jsonl" || true
tar czf "$OUT/notebooks.tgz" -C _course $(cd _course && ls -d quick full 2>/dev/null) 2>/dev/null || true
say "results in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
