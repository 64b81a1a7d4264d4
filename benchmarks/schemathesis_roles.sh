#!/usr/bin/env bash
# Schemathesis signed in as the programme's roles, on a library where the programme's ids exist
# (benchmarks/schemathesis_seed.py: a call in review with submissions, rounds, a visit, and a
# call with the four-round season), each role on a fresh copy of the seed:
#   bash benchmarks/schemathesis_roles.sh [EXAMPLES] [USER…]   (default 5; org1 appa rev1 rev2)
# Environment as benchmarks/schemathesis.sh: CASEATLAS_BIN, ST_CHECKS (default
# not_a_server_error), ST_PORT, ST_SERVER_LOG (a directory: one log per role).
# Left out: logout and /me/password (they end or change the session the run uses), and the
# embedding operations (/embed, /jobs/embeddings: minutes of CPU, not an API property).
set -uo pipefail
cd "$(dirname "$0")/.."
examples=${1:-5}
shift || true
users=("$@")
[ $# -eq 0 ] && users=(org1 appa rev1 rev2)
bin=${CASEATLAS_BIN:-.venv/bin}
port=${ST_PORT:-8799}
tmp=$(mktemp -d)
logs=${ST_SERVER_LOG:-$tmp}
trap 'rm -rf "$tmp"' EXIT
PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}src" CASEATLAS_DB="$tmp/seed.db" $bin/caseatlas ingest src/caseatlas/data/sample >/dev/null
PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}src:tests" $bin/python -W ignore benchmarks/schemathesis_seed.py "$tmp/seed.db" 2>/dev/null
status=0
for user in "${users[@]}"; do
  cp "$tmp/seed.db" "$tmp/library.db"
  CASEATLAS_DB="$tmp/library.db" $bin/caseatlas serve --port "$port" >"$logs/serve-$user.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/api/v1/me" >/dev/null && break; sleep 0.2; done
  login=$(curl -fs -c "$tmp/jar" -H 'Content-Type: application/json' \
    -d '{"username":"'"$user"'","password":"correct horse battery"}' "http://127.0.0.1:$port/api/v1/login")
  csrf=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
  cookie=$(awk '$6 == "caseatlas_session" {print $7}' "$tmp/jar")
  echo "== $user"
  $bin/st run "http://127.0.0.1:$port/api/v1/openapi.json" -n "$examples" -c "${ST_CHECKS:-not_a_server_error}" \
    --request-timeout 30 --generation-deterministic --max-failures 50 \
    -H "Cookie: caseatlas_session=$cookie" -H "X-CSRF-Token: $csrf" \
    --exclude-path /api/v1/logout --exclude-path /api/v1/me/password \
    --exclude-path /api/v1/embed --exclude-path /api/v1/jobs/embeddings || status=$?
  kill "$server"
  wait "$server" 2>/dev/null
done
exit $status
