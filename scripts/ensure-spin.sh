#!/usr/bin/env bash
# The peer benchmark (bench/peers.ts) runs Debian's Spin and compiles its verifiers with gcc.
# Installs them when missing and we may (root with apt-get); otherwise says how.
set -euo pipefail
missing=()
command -v spin >/dev/null 2>&1 || missing+=(spin)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's ${missing[*]} for the peer benchmark..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "the peer benchmark needs Spin and gcc: install Debian's packages '${missing[*]}' (apt-get install ${missing[*]})" >&2
exit 1
