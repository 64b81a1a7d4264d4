#!/usr/bin/env bash
# Property-based API check: schemathesis against /api/v1/openapi.json on loopback, bounded.
#   bash benchmarks/schemathesis.sh [EXAMPLES]      (default 25 per operation)
# Environment: CASEATLAS_BIN (default .venv/bin: a worktree runs another checkout's venv with
# PYTHONPATH=src), ST_CHECKS (default all; e.g. not_a_server_error for a quick 5xx-only pass),
# ST_ADMIN_EXTRA (more `st run` options for the admin pass, e.g. --exclude-path …), ST_PORT,
# ST_SERVER_LOG (keep the server's log, with any traceback, after the run).
# Runs twice: anonymous, then signed in as an admin (session cookie + CSRF header), so the
# state-changing operations are exercised too. Every check (no 5xx, responses match the
# schema, status codes and content types documented, …). Library: the sample + book 000.
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-25}
tmp=$(mktemp -d)
export CASEATLAS_DB="$tmp/library.db"
port=${ST_PORT:-8799}
bin=${CASEATLAS_BIN:-.venv/bin}
$bin/caseatlas ingest src/caseatlas/data/sample ../shared/corpus/000_3717a3b3a4f37818.txt >/dev/null
printf 'schemathesis-password\n' | $bin/caseatlas users add st-admin --role admin --password-stdin >/dev/null
$bin/caseatlas serve --port $port >"${ST_SERVER_LOG:-$tmp/serve.log}" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/v1/me" >/dev/null && break; sleep 0.1; done
schema="http://127.0.0.1:$port/api/v1/openapi.json"
status=0
opts=(-n "$examples" -c "${ST_CHECKS:-all}" --request-timeout 30 --generation-deterministic --max-failures 50)
echo "== anonymous"
$bin/st run "$schema" "${opts[@]}" || status=$?
login=$(curl -fs -c "$tmp/jar" -H 'Content-Type: application/json' \
  -d '{"username":"st-admin","password":"schemathesis-password"}' "http://127.0.0.1:$port/api/v1/login")
csrf=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
cookie=$(awk '$6 == "caseatlas_session" {print $7}' "$tmp/jar")
auth=(-H "Cookie: caseatlas_session=$cookie" -H "X-CSRF-Token: $csrf")
echo "== admin (session cookie + X-CSRF-Token)"
# Logging out, or changing the admin's own account, ends the session the run uses: those
# operations go last, on their own.
$bin/st run "$schema" "${opts[@]}" "${auth[@]}" --exclude-path /api/v1/logout \
  --exclude-path '/api/v1/users/{username}' ${ST_ADMIN_EXTRA:-} || status=$?
echo "== admin: PATCH /api/v1/users/{username}, then logout"
$bin/st run "$schema" "${opts[@]}" "${auth[@]}" --include-path '/api/v1/users/{username}' || status=$?
$bin/st run "$schema" "${opts[@]}" "${auth[@]}" --include-path /api/v1/logout || status=$?
exit ${status:-0}
