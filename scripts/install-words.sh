#!/usr/bin/env bash
# Installs Debian's Swedish and British English word lists (wswedish, wbritish: /usr/share/dict/swedish and
# british-english), by which planbot tells a slip of the keyboard ("konmunen") from a word the documents do
# not use (quick no-op when present).
set -euo pipefail
if [ -f /usr/share/dict/swedish ] && [ -f /usr/share/dict/british-english ]; then
    exit 0
fi
bash "$(dirname "$0")/apt-install.sh" install-words wswedish wbritish
