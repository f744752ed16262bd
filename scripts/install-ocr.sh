#!/usr/bin/env bash
# Installs Debian's tesseract with its Swedish model, for OCR of scanned PDF pages (quick no-op when present).
set -euo pipefail
if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx swe; then
    exit 0
fi
bash "$(dirname "$0")/apt-install.sh" install-ocr tesseract-ocr tesseract-ocr-swe
tesseract --version | head -1
