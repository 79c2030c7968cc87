#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs them:
#   - Debian's Chromium for the real-browser tests (apt-get, when run as root; never a downloaded browser)
#   - Debian's nginx-light for the test of several replicas behind a load balancer (deploy/)
#   - the Python packages in requirements-dev.txt
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k trainer`).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's ${missing[*]} for the browser and load-balancer tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "NOTE: ${missing[*]} missing and this is not root: the tests that need them will be skipped." >&2
    echo "      Install them with: sudo apt-get install ${missing[*]}" >&2
  fi
fi

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# pytest exits 5 when it collected no test: that is a failure here too (set -e passes it on).
exec python3 -m pytest "$@"
