#!/usr/bin/env bash
# Install what grid-api needs on Debian/Ubuntu: system packages (PostgreSQL + PostGIS, Redis,
# Python 3.11, Chromium for the console's and the API docs' browser tests) and a .venv with the project.
# Quick no-op when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(postgresql postgresql-contrib postgis redis-server python3-venv python3-dev
              build-essential libpq-dev)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_postgis() {
  ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1
}

python311() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

missing=()
need_postgis && missing+=(postgis)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
python311 >/dev/null || missing+=(python3.11)
# Debian's Chromium drives the console's and the API docs' browser tests (Playwright is told its path;
# Playwright's own browser download is not used).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ((${#missing[@]})); then
  echo "==> installing system packages (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  packages=("${APT_PACKAGES[@]}")
  # Debian names PostGIS by server major; pick the one matching the installed server.
  major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
  if [ -z "$major" ]; then
    major=$(apt-cache depends postgresql 2>/dev/null | sed -n 's/.*postgresql-\([0-9]\+\)$/\1/p' | head -1)
  fi
  [ -n "$major" ] && packages+=("postgresql-$major-postgis-3")
  python311 >/dev/null || packages+=(python3.11 python3.11-venv python3.11-dev)
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
  # The packaged cluster is not used; the project runs its own under ./var.
fi

PY=$(python311) || { echo "Python 3.11 is required" >&2; exit 1; }
stamp_hash=$(sha1sum pyproject.toml | cut -c1-16)
if [ ! -f ".venv/.installed-$stamp_hash" ]; then
  echo "==> installing Python packages into .venv"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  mkdir -p var
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e '.[dev]'; } > var/pip-install.log 2>&1; then
    tail -40 var/pip-install.log >&2
    echo "pip install failed; full log in var/pip-install.log" >&2
    exit 1
  fi
  rm -f .venv/.installed-* && touch ".venv/.installed-$stamp_hash"
fi
