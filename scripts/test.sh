#!/usr/bin/env bash
# Run the whole test suite: install what is missing, then pytest against a throwaway PostGIS
# cluster and Redis that the suite starts itself. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
exec .venv/bin/python -m pytest "$@"
