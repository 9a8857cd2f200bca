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

step "every notebook top to bottom, quick mode (nbdev_test skips #| slow and #| full cells)"
# nbdev_test runs notebooks in parallel; PyTorch would give each of them a thread per core, and the
# oversubscribed cores spin against each other (on 2 cores the notebooks took 97 s instead of 28 s).
# One thread per notebook, unless the caller chose otherwise.
(cd nbs && OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" ../$BIN/nbdev_test --n_workers "${NBDEV_WORKERS:-2}" --timing)

step "documentation: nbdev_proc_nbs and the offline HTML build"
$BIN/python tools/build_docs.py

step "a real browser for the docs check"
bash tools/install_chromium.sh || echo "chromium could not be installed: the browser test will say so"

step "pytest: downloads on loopback, README, docs, reproduction table, packaging"
$BIN/python -m pytest tests -q -p no:cacheprovider
