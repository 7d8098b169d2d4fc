#!/usr/bin/env bash
# `make run`: serve the API with uWSGI on the embedded defaults, demo data loaded on first run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8080}"
# a terminal reads text; production collects JSON (the default)
LOG_FORMAT="${LOG_FORMAT:-text}"
export PORT LOG_FORMAT

mkdir -p var
if [[ -z "${GRAPH_URL:-}" && ! -f var/graph.db ]]; then
  echo "First run: loading the demo companies into var/graph.db ..."
  "$PY" -m main.cli demo
fi
KEY="$("$PY" -m main.cli api-key)"

cat <<INFO

  company-graph is starting (Ctrl-C stops it)
  API:         http://127.0.0.1:${PORT}/api/v1/companies
  Explorer:    http://127.0.0.1:${PORT}/graph
  Swagger UI:  http://127.0.0.1:${PORT}/docs
  OpenAPI:     http://127.0.0.1:${PORT}/openapi.json   (3.1; Swagger 2.0 at /swagger.json)
  API key:     ${KEY}   (in ${VAR_DIR:-var}/api-key, printed by: python -m main.cli api-key; sent as X-API-Key)

  curl -s -X POST http://127.0.0.1:${PORT}/api/v1/events -H 'Content-Type: application/json' \\
       -H 'X-API-Key: ${KEY}' \\
       -d '{"eventType": "company-created", "data": {"id": "acme-1", "name": "Acme Ltd", "industry": "Software", "location": "Santa Clara, California, U.S."}}'
  curl -s http://127.0.0.1:${PORT}/api/v1/companies/ACME-1

INFO
exec .venv/bin/uwsgi --ini uwsgi.ini:http
