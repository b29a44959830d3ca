#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# By hand, as an operator would: gunicorn with 4 workers on a throwaway var folder, migrated and loaded
# the way scripts/run does it, then 200 wrong bearer tokens in a row with curl, the right token from the
# locked address, and the lock-out in the audit log; then 200 wrong tokens 16 at a time from a second
# loopback address (127.0.0.2), which must lock it out exactly once as well. Default limits (the settings' defaults).
#
#   bench/ratelimit/verify_lockout.sh sqlite
#   bench/ratelimit/verify_lockout.sh postgres      # a new database smaakmaker_verify_<pid> on 127.0.0.1
#
# Prints the status-code sequence (run-length), the distinct Retry-After values of the 429s, the answer
# to the right token, and the api.lockout audit records; leaves the var folder for inspection.
set -euo pipefail
cd "$(dirname "$0")/../.."
DB="${1:-sqlite}"
PORT="${PORT:-8791}"
WORKERS="${WORKERS:-4}"
VAR="$(mktemp -d /tmp/verify-lockout-XXXX)"
export SMAAKMAKER_VAR_DIR="$VAR" SMAAKMAKER_LOG_LEVEL=WARNING
unset DATABASE_URL
if [ "$DB" = postgres ]; then
  NAME="smaakmaker_verify_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $NAME"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$NAME"
fi
echo "== $DB, var $VAR ${DATABASE_URL:+($DATABASE_URL)}"
.venv/bin/smaakmaker migrate --no-input -v 0          # as scripts/run
.venv/bin/smaakmaker demo >/dev/null
SECRET="$(.venv/bin/smaakmaker apitoken --name verify --user regisseur \
  --organisation 'Gemeente Voorbeeldstad (demo)' | tail -1 | awk '{print $NF}')"

.venv/bin/gunicorn smaakmaker.conf.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --access-logfile "$VAR/access.log" --access-logformat '%(p)s %(s)s' 2>"$VAR/gunicorn.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 0.5
done
URL="http://127.0.0.1:$PORT/api/v1/me"
echo "== right token first: $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" "$URL")"

: >"$VAR/statuses"
for i in $(seq 1 200); do
  curl -s -o /dev/null -D "$VAR/h.$i" -w '%{http_code}\n' \
    -H 'Authorization: Bearer 0123abcd.not-the-secret' "$URL" >>"$VAR/statuses"
done
echo "== 200 wrong tokens, status codes in order (count x code):"
uniq -c "$VAR/statuses" | awk '{printf "   %s x %s\n", $1, $2}'
echo "== Retry-After of the 429s (count x seconds):"
cat "$VAR"/h.* | tr -d '\r' | awk -F': ' 'tolower($1)=="retry-after"{print $2}' | sort -n | uniq -c \
  | awk '{printf "   %s x %s\n", $1, $2}'
echo "== first 429, headers and body:"
FIRST=$(grep -n 429 "$VAR/statuses" | head -1 | cut -d: -f1)
tr -d '\r' <"$VAR/h.$FIRST" | grep -Ei '^(HTTP|content-type|retry-after)'
curl -s -H 'Authorization: Bearer 0123abcd.not-the-secret' "$URL"; echo
echo "== worker processes that answered: $(awk '{print $1}' "$VAR/access.log" | sort -u | wc -l) ($(awk '{print $1}' "$VAR/access.log" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'))"
echo "== right token from the locked address:"
curl -s -D - -o "$VAR/right.json" -H "Authorization: Bearer $SECRET" "$URL" | tr -d '\r' \
  | grep -Ei '^(HTTP|retry-after)'
cat "$VAR/right.json"; echo
echo "== 200 wrong tokens from another address (127.0.0.2), 16 at a time (count x code):"
seq 1 200 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' --interface 127.0.0.2 \
  -H 'Authorization: Bearer 0123abcd.not-the-secret' "$URL" | sort | uniq -c | awk '{printf "   %s x %s\n", $1, $2}'
echo "== audit log, api.lockout records:"
.venv/bin/smaakmaker shell -c "
from smaakmaker.access.models import AuditRecord
for r in AuditRecord.objects.filter(action='api.lockout'):
    print('  ', r.at.isoformat(timespec='seconds'), r.actor, r.action, r.result, r.origin, r.object_type, '|', r.reason, '| trace', r.trace_id)
print('   records:', AuditRecord.objects.filter(action='api.lockout').count())
"
.venv/bin/smaakmaker audit verify
echo "== cache table (keys are keyed hashes, no address):"
.venv/bin/smaakmaker shell -c "
from django.db import connection
with connection.cursor() as c:
    c.execute('SELECT cache_key, expires FROM smaakmaker_api_limits ORDER BY cache_key')
    for key, expires in c.fetchall(): print('  ', key, expires)
"
if grep -Eq '127\.0\.0\.[12]' <(.venv/bin/smaakmaker shell -c "
from django.db import connection
with connection.cursor() as c:
    c.execute('SELECT cache_key, value FROM smaakmaker_api_limits'); print(c.fetchall())
"); then echo "   !! an address in the cache table"; else echo "   no 127.0.0.1 or 127.0.0.2 in keys or values"; fi
if [ "$DB" = postgres ]; then
  echo "== kept for inspection; remove with: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE $NAME'"
fi
