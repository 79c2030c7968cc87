#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs them:
#   - Debian's Chromium for the real-browser tests (apt-get, when run as root; never a downloaded browser)
#   - the Python packages in requirements-dev.txt
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k trainer`).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  else
    echo "NOTE: /usr/bin/chromium is missing and this is not root: browser tests will be skipped." >&2
    echo "      Install it with: sudo apt-get install chromium" >&2
  fi
fi

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# pytest exits 5 when it collected no test: that is a failure here too (set -e passes it on).
exec python3 -m pytest "$@"
