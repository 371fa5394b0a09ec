#!/usr/bin/env bash
# Set up a city from a directory of files: from an empty database to a working city. Safe to
# run again: every step leaves alone what is already there. The directory (see README, "Your
# city in ten minutes", and examples/jiaxing/):
#   areas/*.geojson    boundaries, imported from the root down in name order
#   grid.csv           levels to generate below areas (area,levels)
#   units.csv          responsible units (code,name,parent,contact)
#   routing-rules.csv  category × area → unit (category,area,unit,priority)
#   staff.csv          staff accounts (phone,name,roles,unit,area,cells)
# Settings come from the environment (DATABASE_URL, REDIS_URL, GRID_ENV, SECRET_KEY, ...).
# HOLIDAY_YEARS (default: this year) names the years whose public holidays are loaded.
set -euo pipefail
dir=${1:?usage: scripts/setup-city.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
grid_api="$root/.venv/bin/grid-api"
[ -x "$grid_api" ] || grid_api=grid-api  # an installed image has it on PATH

step() { echo "==> $*"; }

step "database schema"
"$grid_api" migrate
shopt -s nullglob
for file in "$dir"/areas/*.geojson; do
  step "areas from $file"
  "$grid_api" import-areas "$file"
done
if [ -f "$dir/grid.csv" ]; then
  step "streets, communities and grid cells"
  "$grid_api" generate-grids "$dir/grid.csv"
fi
step "working calendar: public holidays and make-up days"
years=()
for year in ${HOLIDAY_YEARS:-}; do years+=(--year "$year"); done
"$grid_api" load-holidays "${years[@]}"
if [ -f "$dir/units.csv" ]; then
  step "units"
  "$grid_api" import-units "$dir/units.csv"
fi
if [ -f "$dir/routing-rules.csv" ]; then
  step "routing rules"
  "$grid_api" import-routing-rules "$dir/routing-rules.csv"
fi
if [ -f "$dir/staff.csv" ]; then
  step "staff accounts"
  "$grid_api" import-staff "$dir/staff.csv"
fi
step "done: categories are the national taxonomy; review them at GET /api/v1/categories"
