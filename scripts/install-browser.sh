#!/usr/bin/env bash
# Installs Debian's Chromium for the Playwright browser tests (never `playwright install`: it downloads from the internet).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
bash "$(dirname "$0")/apt-install.sh" install-browser chromium fonts-dejavu-core
/usr/bin/chromium --version
