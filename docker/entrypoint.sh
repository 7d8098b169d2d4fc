#!/bin/sh
# The image's entry point. One image, several processes (docker run IMAGE COMMAND):
#   api          uWSGI with uwsgi.ini: the uwsgi protocol on SOCKET_PORT (3031) for nginx
#                (not UWSGI_PORT: uWSGI reads every UWSGI_* variable as an option),
#                plain HTTP on PROBE_PORT (8081) for probes and Prometheus
#   worker       the sync worker (python -m main.worker); metrics on METRICS_PORT (9102)
#   migrate      bring the graph store's schema up to date, then exit
#   healthcheck  the HEALTHCHECK: exit 0 if this container's API or worker answers
#   anything else: a command of the CLI (import, publish, dead list, relocate, ...)
# The same script runs in a checkout (the tests start each command as a plain process).
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python}"
command="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$command" in
  api)
    # uWSGI's processes sum their metrics through files: a folder of this server's own
    # (replicas sharing a volume would empty each other's)
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/company-graph-metrics-$$}"
    exec uwsgi --ini "$ROOT/uwsgi.ini" --chdir "$ROOT" \
      --socket "0.0.0.0:${SOCKET_PORT:-3031}" --http-socket "0.0.0.0:${PROBE_PORT:-8081}" "$@"
    ;;
  worker) cd "$ROOT" && exec "$PYTHON" -m main.worker "$@" ;;
  migrate) cd "$ROOT" && exec "$PYTHON" -m main.cli migrate "$@" ;;
  healthcheck) cd "$ROOT" && exec "$PYTHON" -m main.probe ;;
  *) cd "$ROOT" && exec "$PYTHON" -m main.cli "$command" "$@" ;;
esac
