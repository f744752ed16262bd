#!/usr/bin/env bash
# Installs Debian's Swedish thesaurus (mythes-sv) and English-Swedish dictionary (dict-freedict-eng-swe)
# for planbot's query expansion (quick no-op when present). planbot runs without them: only the glossary
# then bridges desk words and English questions to the documents' wording.
set -euo pipefail
if [ -f /usr/share/mythes/th_sv_SE_v2.dat ] && [ -f /usr/share/dictd/freedict-eng-swe.index ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "install-lexicons: not root; planbot runs without them, or install with: apt-get install -y mythes-sv dict-freedict-eng-swe" >&2
        exit 0
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Optional resources: a failed install (offline machine) must not stop `make run` or `make test`.
$SUDO apt-get update -q || true
$SUDO apt-get install -y -q --no-install-recommends mythes-sv dict-freedict-eng-swe \
    || echo "install-lexicons: could not install; planbot runs without the thesaurus and dictionary" >&2
