#!/usr/bin/env bash
# Installs Debian's chromium for the docs browser test (tests/test_docs.py) when it is missing.
# Called by `make test` (tools/test.sh). Needs root or passwordless sudo and apt; says so clearly otherwise.
set -uo pipefail
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then echo "browser for the docs test: $(command -v "$b")"; exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_chromium: no apt-get on this machine; install Chromium yourself (the docs browser test needs 'chromium' on PATH)" >&2; exit 1
fi
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else echo "install_chromium: not root and no passwordless sudo; run: sudo apt-get install chromium" >&2; exit 1; fi
log=$(mktemp)
if $SUDO apt-get update -qq >"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >>"$log" 2>&1; then
  echo "installed $(chromium --version 2>/dev/null)"; rm -f "$log"; exit 0
fi
tail -5 "$log" >&2; rm -f "$log"
echo "install_chromium: apt-get could not install chromium (see above)" >&2; exit 1
