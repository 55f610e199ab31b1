#!/usr/bin/env bash
# Makes sure a font that draws Chinese exists for the report charts (季通报, 年评分), installing Debian's small
# fonts-wqy-microhei if fontconfig knows none. Without one the charts' labels would be empty boxes, so the
# reports refuse to draw and the chart tests fail: a failure here is an error, as for PostgreSQL and Chromium.
set -euo pipefail
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then exit 0; fi
echo "No CJK font found: installing Debian's fonts-wqy-microhei for the report charts…"
if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq fonts-wqy-microhei fontconfig >/dev/null
if [ -z "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then
  echo "ERROR: no CJK font could be installed; the report charts need one. Install Debian's 'fonts-wqy-microhei'." >&2
  exit 1
fi
