#!/usr/bin/env bash
# `make test`: run pytest with coverage (terminal + coverage.xml), failing under the floor.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
