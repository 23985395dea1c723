#!/usr/bin/env bash
# The HTML report's browser test drives Debian's Chromium (never a downloaded browser).
# Installs it when missing and we may (root with apt-get); otherwise says how.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "the browser test needs Chromium: install Debian's package 'chromium' (apt-get install chromium)" >&2
exit 1
