#!/usr/bin/env bash
# Fuzz the live API with schemathesis: every route in /api/v1/schema/, as a case supervisor holding a token,
# against a server running on a scratch SQLite database with the demo consortium. Fails on any 5xx.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
work=$(mktemp -d)
port=${KARPEAR_FUZZ_PORT:-8765}
export KARPEAR_DEBUG=true DATABASE_URL="sqlite:///$work/fuzz.sqlite3"
$BIN/python manage.py migrate -v0
$BIN/python manage.py loaddemo >/dev/null
# Issued by the service the token endpoint uses, as if the supervisor had passed the second factor.
token=$($BIN/python manage.py shell --no-imports -v0 -c "
from karpear.core import services
from karpear.core.models import User
print(services.api_token_issue(user=User.objects.get(username='supervisor'), two_factor=True))")
[ ${#token} -eq 40 ] || { echo "could not make an API token: $token" >&2; exit 1; }
$BIN/python manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/api/v1/schema/" >/dev/null && break; sleep 0.5; done
status=0
$BIN/schemathesis run "http://127.0.0.1:$port/api/v1/schema/" \
  --header "Authorization: Token $token" \
  --checks not_a_server_error \
  --max-examples "${KARPEAR_FUZZ_EXAMPLES:-25}" \
  --seed 2026 \
  --request-timeout 20 \
  --no-color || status=$?

if grep -q "Traceback" "$work/server.log"; then
  echo "The server logged a traceback:"; grep -B2 -A20 "Traceback" "$work/server.log" | head -60; exit 1
fi
exit $status
