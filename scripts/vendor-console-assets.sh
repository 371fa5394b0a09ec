#!/usr/bin/env bash
# Refresh the console's browser libraries, served by the app itself (no CDN: the console must
# work on a city's intranet and in mainland China). Fetches pinned releases from the npm
# registry with `npm pack` (which checks each tarball's integrity) and copies the files the
# console loads, with their licences. Run by hand when upgrading; the files are committed
# under grid_api/console/static/vendor/, so nothing is built when the app starts.
set -euo pipefail
cd "$(dirname "$0")/.."

MAPLIBRE_VERSION=5.24.1
ECHARTS_VERSION=6.0.0
DEST=grid_api/console/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "maplibre-gl@$MAPLIBRE_VERSION" "echarts@$ECHARTS_VERSION" >/dev/null)
mkdir -p "$work/maplibre" "$work/echarts"
tar xzf "$work/maplibre-gl-$MAPLIBRE_VERSION.tgz" -C "$work/maplibre"
tar xzf "$work/echarts-$ECHARTS_VERSION.tgz" -C "$work/echarts"

rm -rf "$DEST"
mkdir -p "$DEST/maplibre-gl" "$DEST/echarts"
# The CSP build: its worker is a file of ours, so the page's CSP needs no blob: workers.
for file in maplibre-gl-csp.js maplibre-gl-csp-worker.js maplibre-gl.css LICENSE.txt; do
  cp "$work/maplibre/package/dist/$file" "$DEST/maplibre-gl/" 2>/dev/null ||
    cp "$work/maplibre/package/$file" "$DEST/maplibre-gl/"
done
cp "$work/echarts/package/dist/echarts.min.js" "$work/echarts/package/LICENSE" \
   "$work/echarts/package/NOTICE" "$DEST/echarts/"
cat > "$DEST/VERSIONS" <<VERSIONS
maplibre-gl $MAPLIBRE_VERSION (BSD-3-Clause)
echarts $ECHARTS_VERSION (Apache-2.0)
VERSIONS
echo "console assets: maplibre-gl $MAPLIBRE_VERSION, echarts $ECHARTS_VERSION in $DEST"
