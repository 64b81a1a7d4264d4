#!/usr/bin/env bash
# Install CaseAtlas with its test dependencies into .venv and run the whole test suite.
# The tests use real servers and tools, installed here from Debian's packages when missing
# (needs root, as on CI): chromium for the browser tests (driven by Playwright, no browser
# download), PostgreSQL, which the tests start themselves in a temp dir (initdb) unless
# $CASEATLAS_TEST_PG names a server, and for the published PDF the Noto CJK fonts and
# poppler-utils (pdftoppm, pdffonts, pdfinfo: the layout checks). Corpus tests read ../shared/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fc-list 2>/dev/null | grep -q "Noto Serif CJK SC" || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0" || need+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
exec .venv/bin/python -m pytest "$@"
