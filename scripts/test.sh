#!/usr/bin/env bash
# Install CaseAtlas with its test dependencies into .venv and run the whole test suite.
# Browser tests drive Debian's chromium through Playwright (no browser download); it is
# installed here when missing (needs root, as on CI). Corpus tests read ../shared/corpus
# and are skipped when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
exec .venv/bin/python -m pytest "$@"
