#!/usr/bin/env bash
# apt-install.sh NAME PACKAGE...: install Debian packages as root or through sudo (the one place the scripts
# call apt). Exits 1 with the command to run when neither is possible.
set -euo pipefail
name="$1"
shift
if [ "$(id -u)" -eq 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
else
    echo "$name: not root; install with: apt-get install -y $*" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "$@"
