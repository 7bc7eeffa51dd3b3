#!/usr/bin/env bash
# The report viewer's browser tests (tests/e2e/test_viewer.py) drive Debian's Chromium through
# Playwright; Playwright's own browser download cannot work here, so the system package is used.
set -euo pipefail
[ -x "${REPORTS_CHROMIUM:-/usr/bin/chromium}" ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Chromium is missing and this is not a Debian-like system: install chromium and set REPORTS_CHROMIUM" >&2
  exit 1
fi
SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
