#!/usr/bin/env bash
# Runs uv, installing it with pip first when this machine does not have it.
set -euo pipefail
uv_bin() {
  command -v uv 2>/dev/null && return 0
  for c in "$HOME/.local/bin/uv" "$(python3 -m site --user-base 2>/dev/null)/bin/uv"; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}
if ! UV=$(uv_bin); then
  echo "uv not found: installing it with pip…" >&2
  python3 -m pip install --quiet uv >&2 || python3 -m pip install --quiet --user uv >&2
  UV=$(uv_bin) || { echo "ERROR: could not install uv with pip; install it (pip install uv) and retry." >&2; exit 1; }
fi
export UV_LINK_MODE=copy
exec "$UV" "$@"
