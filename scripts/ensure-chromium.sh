#!/usr/bin/env bash
# Makes sure Debian's headless Chromium and its driver exist (/usr/bin/chromium, /usr/bin/chromedriver), installing
# the packages if not. The web page's browser test drives them with Selenium; no browser is downloaded otherwise.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi
echo "Chromium or chromedriver not found: installing Debian's chromium and chromium-driver packages…"
if [ "$(id -u)" != "0" ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# fonts-wqy-microhei: the pages are Chinese, and the screenshots need a CJK font.
$SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "ERROR: Chromium could not be installed; the browser test needs it. Install Debian's 'chromium' and 'chromium-driver'." >&2
  exit 1
fi
