#!/usr/bin/env bash
# Installs Debian's tesseract with its Swedish model, for OCR of scanned PDF pages (quick no-op when present).
set -euo pipefail
if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx swe; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "install-ocr: tesseract-ocr-swe is missing and we are not root; install it with: apt-get install -y tesseract-ocr tesseract-ocr-swe" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-swe
tesseract --version | head -1
