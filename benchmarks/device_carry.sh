#!/usr/bin/env bash
# Prepare what benchmarks/device_check.sh needs on a GPU machine that has Python and a CUDA build of torch but no
# network: wheels of the course's toolchain (pinned by requirements/constraints.txt) in .whl/, and the data in
# _course/carry/data (both git-ignored). Run it here, on a machine with the package index, from the repo root:
#     bash benchmarks/device_carry.sh [--dry-run]        (--dry-run: print what it would do, download nothing)
# Then pass carry=['.whl', '_course/carry'] to the device run and start benchmarks/device_check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
DRY=0; [[ "${1:-}" == "--dry-run" ]] && DRY=1
PY=${PY:-.venv/bin/python}
DATA=${DL_FOUNDATIONS_DATA:-../shared/data}
# Not carried: torch and what comes with it (the GPU machine's own CUDA build), numpy and pillow (torch's and
# torchvision's, there too), and what only the docs build and the test runner need.
SKIP='^(torch|torchvision|triton|nvidia-.*|cuda-.*|sympy|mpmath|networkx|filelock|fsspec|jinja2|markupsafe|typing.extensions|numpy|pillow|python-fasthtml|starlette|uvicorn|uvloop|httptools|watchfiles|websockets|apsw.*|fastlite|fastgit|oauthlib|itsdangerous|python-multipart|httpx2|httpcore2|h11|anyio|idna|truststore|beautifulsoup4|soupsieve|python-dotenv|watchdog|build|pyproject.hooks|pytest|pluggy|iniconfig)=='
mkdir -p .whl _course/carry/data/mnist
grep -v '^#' requirements/constraints.txt | grep -Eiv "$SKIP" > .whl/requirements.txt.new
echo "$(wc -l < .whl/requirements.txt.new) wheels to carry (pins from requirements/constraints.txt)"
if [[ $DRY == 1 ]]; then
    echo "would run: $PY -m pip download --only-binary=:all: --no-deps -d .whl -r .whl/requirements.txt"
    head -5 .whl/requirements.txt.new; rm .whl/requirements.txt.new
else
    mv .whl/requirements.txt.new .whl/requirements.txt
    "$PY" -m pip download -q --only-binary=:all: --no-deps -d .whl -r .whl/requirements.txt
fi
# Data: MNIST (the big training-image file travels gzipped under a name the data layer ignores; device_check.sh
# unpacks it back to the canonical uncompressed file), Nietzsche, the CIFAR-10 JPEG tarball.
copy() { if [[ $DRY == 1 ]]; then echo "would copy $1 -> $2"; else cp "$1" "$2"; fi; }
for f in train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do copy "$DATA/mnist/$f" _course/carry/data/mnist/; done
copy "$DATA/nietzsche.txt" _course/carry/data/
copy "$DATA/cifar10-jpeg-q75.tgz" _course/carry/data/
if [[ $DRY == 1 ]]; then echo "would gzip $DATA/mnist/train-images-idx3-ubyte -> _course/carry/data/mnist/train-images.carry.gz"
else gzip -9 -c "$DATA/mnist/train-images-idx3-ubyte" > _course/carry/data/mnist/train-images.carry.gz; fi
tree_mb=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
carry_mb=$(du -cb .whl _course/carry 2>/dev/null | tail -1 | cut -f1)
echo "working tree $((tree_mb / 1048576)) MiB + carried $((carry_mb / 1048576)) MiB (the device run takes 64 MiB in all)"
