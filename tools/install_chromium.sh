#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (tests/test_docs.py, tests/test_jupyterlab.py) when it is missing,
# and, best effort, a colour emoji font, so that the screenshots show the marks a learner's browser shows (a checker's
# answer starts with ✅ or ❌). Called by `make test` (tools/test.sh). Needs root or passwordless sudo and apt for
# installing; says so clearly otherwise.
set -uo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else SUDO="none"; fi
can_apt() { command -v apt-get >/dev/null 2>&1 && [ "$SUDO" != none ]; }
emoji_font() {  # best effort: a missing emoji font only changes how screenshots look
  if command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'emoji'; then return 0; fi
  can_apt || return 0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-color-emoji >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-color-emoji >/dev/null 2>&1; } \
    || echo "install_chromium: no colour emoji font (fonts-noto-color-emoji); screenshots will show a box for ✅/❌" >&2
}
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then echo "browser for the browser tests: $(command -v "$b")"; emoji_font; exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_chromium: no apt-get on this machine; install Chromium yourself (the browser tests need 'chromium' on PATH)" >&2; exit 1
fi
if [ "$SUDO" = none ]; then echo "install_chromium: not root and no passwordless sudo; run: sudo apt-get install chromium" >&2; exit 1; fi
log=$(mktemp)
if $SUDO apt-get update -qq >"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >>"$log" 2>&1; then
  echo "installed $(chromium --version 2>/dev/null)"; rm -f "$log"; emoji_font; exit 0
fi
tail -5 "$log" >&2; rm -f "$log"
echo "install_chromium: apt-get could not install chromium (see above)" >&2; exit 1
