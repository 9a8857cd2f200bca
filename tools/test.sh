#!/usr/bin/env bash
# Everything CI checks, in order; the last step is pytest, whose summary line ends the run.
# Called by `make test` (which has set up .venv); run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export MPLBACKEND=Agg
step() { printf '\n== %s\n' "$*"; }
in_git() { git rev-parse --is-inside-work-tree >/dev/null 2>&1; }

step "package in sync with the notebooks (nbdev_export, then git diff)"
$BIN/nbdev_export
if in_git; then
  changed=$(git status --porcelain -- dl_foundations)
  if [ -n "$changed" ]; then
    echo "dl_foundations/ differs from what the notebooks export:"; echo "$changed"; git --no-pager diff --stat -- dl_foundations
    echo "Fix: run nbdev_export and commit dl_foundations/ together with the notebooks."; exit 1
  fi
else echo "(not a git checkout: skipped the comparison)"; fi

step "notebooks clean (nbdev_clean changes nothing)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r nbs "$tmp/nbs"
$BIN/nbdev_clean --fname "$tmp/nbs" >/dev/null
if ! diff -rq nbs "$tmp/nbs" -x '.ipynb_checkpoints' >/dev/null; then
  diff -rq nbs "$tmp/nbs" -x '.ipynb_checkpoints' || true
  echo "Fix: run nbdev_clean and commit the cleaned notebooks."; exit 1
fi

# nbdev_test runs notebooks in parallel; PyTorch would give each of them a thread per core, and the
# oversubscribed cores spin against each other (on 2 cores the notebooks took 97 s instead of 28 s).
# One thread per notebook, unless the caller chose otherwise.
notebooks() {
  local start=$SECONDS
  (cd nbs && OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" ../$BIN/nbdev_test --n_workers "${NBDEV_WORKERS:-2}" --timing)
  echo "($1: $((SECONDS - start)) s)"
}
# Quick mode must work on both paths a learner meets: with the data (found in the data folder, or
# downloaded there by this first pass when the network allows), and with an empty data folder and no
# network (the generated stand-ins). When the data folder is still empty after the first pass, that pass
# already was the stand-in path, so it is not run twice.
has_data() { local d; d=$($BIN/python -c 'from dl_foundations.files import data_dir; print(data_dir())')
             [ -d "$d" ] && [ -n "$(find "$d" -type f -print -quit 2>/dev/null)" ]; }
step "every notebook top to bottom, quick mode, on the data folder (nbdev_test skips #| slow and #| full cells)"
notebooks "pass on the data folder"
if has_data; then
  step "every notebook again, quick mode, on an empty data folder with DL_FOUNDATIONS_OFFLINE=1 (the stand-ins)"
  mkdir -p "$tmp/no-data" "$tmp/no-cache"
  DL_FOUNDATIONS_DATA="$tmp/no-data" DL_FOUNDATIONS_CACHE="$tmp/no-cache" DL_FOUNDATIONS_OFFLINE=1 notebooks "pass on the stand-ins"
else
  echo "(the data folder is empty: the pass above ran on the stand-ins, so it is not repeated)"
fi

step "documentation: nbdev_proc_nbs and the offline HTML build"
$BIN/python tools/build_docs.py

step "a real browser for the docs and JupyterLab checks"
bash tools/install_chromium.sh || echo "chromium could not be installed: the browser test will say so"

step "pytest: downloads on loopback, README, docs, committed notebooks, lessons 01, 06 and 06a in JupyterLab, reproduction table, packaging, checkpoints (12_checkpoints), mixed precision (12a_scaling) and torchrun (12b_distributed)"
$BIN/python -m pytest tests -q -p no:cacheprovider
