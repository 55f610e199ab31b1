#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl) exist, installing Debian's package if not.
# The test suite starts and stops its own throwaway server with them; nothing is configured system-wide.
set -euo pipefail
find_bin() {
  command -v initdb 2>/dev/null && return 0
  ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1
}
if [ -n "$(find_bin)" ]; then exit 0; fi
echo "PostgreSQL server binaries not found: installing Debian's postgresql package…"
if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq postgresql >/dev/null
if [ -z "$(find_bin)" ]; then
  echo "ERROR: PostgreSQL could not be installed; the storage tests need it. Install Debian's 'postgresql' package." >&2
  exit 1
fi
