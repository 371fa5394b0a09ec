"""Serves the console: one page and its assets, cached by content hash, under a strict CSP."""

from __future__ import annotations

import hashlib
import html
import mimetypes
from functools import cache
from pathlib import Path

from flask import Response, current_app
from flask.views import MethodView
from werkzeug.security import safe_join

from grid_api.errors import NotFound
from grid_api.web import permissions
from grid_api.web.blueprint import Blueprint

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = ("vendor/maplibre-gl/maplibre-gl.css", "console.css",
          "vendor/maplibre-gl/maplibre-gl-csp.js", "vendor/echarts/echarts.min.js",
          "console.js", "overview.js")
WORKER = "vendor/maplibre-gl/maplibre-gl-csp-worker.js"
# No inline script, no other origin; tiles and data come from this app (a city's basemap
# host is added by BASEMAP_TILE_URL).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra};"
       " connect-src 'self'{extra}; worker-src 'self'; frame-ancestors 'none'; base-uri 'none';"
       " form-action 'self'; object-src 'none'")
YEAR = 365 * 24 * 3600

blp = Blueprint("console", __name__, url_prefix="/console",
                description="The supervisors' web console (HTML; not part of the API)")


@cache
def _fingerprint(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def _url(relative: str) -> str:
    return f"/console/assets/{relative}?v={_fingerprint(relative)}"


def _origin(url: str) -> str:
    parts = url.split("/")
    return "/".join(parts[:3]) if url.startswith(("http://", "https://")) else ""


def _page() -> str:
    basemap = current_app.config["GRID_SETTINGS"].basemap_tile_url or ""
    styles = "".join(f'<link rel="stylesheet" href="{_url(a)}">' for a in ASSETS
                     if a.endswith(".css"))
    scripts = "".join(f'<script src="{_url(a)}" defer></script>' for a in ASSETS
                      if a.endswith(".js"))
    settings = current_app.config["GRID_SETTINGS"]
    return (STATIC / "index.html").read_text(encoding="utf-8").format(
        styles=styles, scripts=scripts, worker=html.escape(_url(WORKER)),
        basemap=html.escape(basemap), timezone=html.escape(settings.timezone))


def _secured(response: Response) -> Response:
    basemap = current_app.config["GRID_SETTINGS"].basemap_tile_url or ""
    origin = _origin(basemap)
    response.headers["Content-Security-Policy"] = CSP.format(extra=f" {origin}" if origin
                                                             else "")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.route("/")
class ConsolePage(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.doc(responses={"200": {"description": "The console page (HTML)"}})
    def get(self):
        """The console's page; it signs in with the API's own accounts and tokens."""
        response = Response(_page(), mimetype="text/html")
        response.headers["Cache-Control"] = "no-cache"
        return _secured(response)


@blp.route("/assets/<path:asset>")
class ConsoleAsset(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.doc(responses={"200": {"description": "A script, style sheet or licence"}})
    def get(self, asset):
        """The console's scripts and styles: immutable under their content hash."""
        found = _asset(asset)
        if found is None:
            raise NotFound
        body, mimetype = found
        response = Response(body, mimetype=mimetype)
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return _secured(response)


@cache
def _asset(relative: str) -> tuple[bytes, str] | None:
    """An asset's bytes and type, read once per process (a few MB in all)."""
    path = safe_join(str(STATIC), relative)
    if path is None or not Path(path).is_file():
        return None
    return Path(path).read_bytes(), mimetypes.guess_type(path)[0] or "application/octet-stream"
