#!/usr/bin/env bash
# Refresh the API docs' browser assets served by the app itself (no CDN: /docs and /redoc
# must work on an intranet). Fetches pinned releases from the npm registry with `npm pack`
# (which checks each tarball's integrity) and copies the files the pages load, with licences.
# Run by hand when upgrading; the files are committed under grid_api/static/docs/.
set -euo pipefail
cd "$(dirname "$0")/.."

SWAGGER_UI_VERSION=5.35.0
REDOC_VERSION=2.5.4  # 2.x: a classic script without telemetry (3.x reports usage to its vendor)
DEST=grid_api/static/docs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" "redoc@$REDOC_VERSION" >/dev/null)
mkdir -p "$work/swagger" "$work/redoc"
tar xzf "$work/swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" -C "$work/swagger"
tar xzf "$work/redoc-$REDOC_VERSION.tgz" -C "$work/redoc"

rm -rf "$DEST/swagger-ui" "$DEST/redoc"
mkdir -p "$DEST/swagger-ui" "$DEST/redoc"
for file in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE NOTICE; do
  cp "$work/swagger/package/$file" "$DEST/swagger-ui/"
done
cp "$work/redoc/package/bundles/redoc.standalone.js" "$work/redoc/package/LICENSE" "$DEST/redoc/"
cat > "$DEST/VERSIONS" <<VERSIONS
swagger-ui-dist $SWAGGER_UI_VERSION (Apache-2.0)
redoc $REDOC_VERSION (MIT)
VERSIONS
echo "docs assets: swagger-ui-dist $SWAGGER_UI_VERSION, redoc $REDOC_VERSION in $DEST"
