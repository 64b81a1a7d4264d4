#!/usr/bin/env bash
# Install CaseAtlas with its test dependencies into .venv and run the whole test suite.
# Corpus tests read ../shared/corpus; they are skipped when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
exec .venv/bin/python -m pytest "$@"
