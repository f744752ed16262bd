#!/usr/bin/env bash
# Installs Debian's Swedish thesaurus (mythes-sv) and English-Swedish dictionary (dict-freedict-eng-swe)
# for planbot's query expansion (quick no-op when present). planbot runs without them: only the glossary
# then bridges desk words and English questions to the documents' wording.
set -euo pipefail
if [ -f /usr/share/mythes/th_sv_SE_v2.dat ] && [ -f /usr/share/dictd/freedict-eng-swe.index ]; then
    exit 0
fi
# Optional resources: a failed install (offline machine, no root) must not stop `make run` or `make test`.
bash "$(dirname "$0")/apt-install.sh" install-lexicons mythes-sv dict-freedict-eng-swe \
    || echo "install-lexicons: could not install; planbot runs without the thesaurus and dictionary" >&2
