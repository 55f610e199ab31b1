#!/usr/bin/env bash
# Makes sure LibreOffice (headless, Debian's libreoffice-writer-nogui) and poppler's tools exist for the
# bulletin's rendering test: the Word document is turned into PDF pages and PNG images, and the pages are
# checked to carry the four parts and the charts (tests/reports/test_bulletin_pages.py). A failure here is an
# error, as for PostgreSQL, Chromium and the CJK font.
set -euo pipefail
if command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then exit 0; fi
echo "Installing Debian's libreoffice-writer-nogui and poppler-utils for the bulletin's rendering test…"
if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils >/dev/null
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "ERROR: LibreOffice or poppler-utils could not be installed (Debian's libreoffice-writer-nogui, poppler-utils)." >&2
  exit 1
fi
