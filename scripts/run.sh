#!/usr/bin/env bash
# Run the whole system: private PostGIS + Redis under ./var (unless DATABASE_URL / REDIS_URL
# are set), migrations, the demo city, gunicorn on $PORT and the worker, kept up by a
# supervisor (devenv/supervise.py). Ctrl-C stops it all.
# STORAGE_BACKEND=s3 without S3_ENDPOINT_URL adds a private SeaweedFS for photos and exports.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh

export PORT="${PORT:-8000}" BIND_HOST="${BIND_HOST:-127.0.0.1}" LOG_LEVEL="${LOG_LEVEL:-INFO}"
own_services=0
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ] ||
   { [ "${STORAGE_BACKEND:-local}" = s3 ] && [ -z "${S3_ENDPOINT_URL:-}" ]; }; then
  own_services=1
  eval "$(.venv/bin/python -m devenv up var)"
fi
export DATABASE_URL REDIS_URL

supervisor=
stop_all() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  if [ -n "$supervisor" ]; then kill -TERM "$supervisor" 2>/dev/null || true; wait "$supervisor" || true; fi
  if [ "$own_services" = 1 ]; then .venv/bin/python -m devenv down var; fi
}
trap stop_all INT TERM EXIT

LOG_LEVEL=WARNING .venv/bin/grid-api migrate
LOG_LEVEL=WARNING .venv/bin/grid-api demo

# The supervisor restarts the worker or the API when one dies (with back-off) and stops
# both only when this script is stopped (Ctrl-C).
.venv/bin/python -m devenv.supervise \
  "worker=.venv/bin/python -m tasks.worker" \
  "api=.venv/bin/gunicorn --bind $BIND_HOST:$PORT --workers ${WEB_CONCURRENCY:-2} --error-logfile - --log-level warning grid_api.wsgi:app" &
supervisor=$!

.venv/bin/python -m devenv wait "http://127.0.0.1:$PORT/readyz" 60
cat <<INFO

grid-api is up.
  API docs:  http://127.0.0.1:$PORT/docs      (OpenAPI: /openapi.json)
  Ready:     http://127.0.0.1:$PORT/readyz
$(LOG_LEVEL=WARNING .venv/bin/grid-api demo-logins 2>/dev/null || true)
Press Ctrl-C to stop.
INFO
wait "$supervisor"
