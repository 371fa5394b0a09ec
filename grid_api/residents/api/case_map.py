"""The public map of cases as vector tiles; anonymous where the city publishes its map."""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request
from flask.views import MethodView

from grid_api.residents import case_map
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("case_map", __name__, url_prefix="/api/v1/tiles",
                description="The public map of cases (layer `cases`)")
MVT_MIME = "application/vnd.mapbox-vector-tile"
# Signed in unless PUBLIC_CASE_MAP: the view asks for the principal itself.
CASE_MAP = permissions.Permission("case_map", public=True)


@blp.route("/cases/<int:z>/<int:x>/<int:y>.mvt")
class CaseTile(MethodView):
    @permissions.require(CASE_MAP)
    @blp.response(200, description="A Mapbox vector tile, layer `cases`: below zoom "
                  f"{case_map.POINTS_FROM_ZOOM} clusters (`count`, `open`, `closed`), from it "
                  "one point per public case (`id`, `status`, `category`, `kind`)",
                  content_type=MVT_MIME)
    @blp.alt_response(204, description="No public case in this tile")
    @blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
    @blp.alt_response(400, description="Impossible z/x/y")
    @blp.alt_response(401, description="Signing in is needed unless the city publishes its "
                                       "case map (PUBLIC_CASE_MAP)")
    @blp.doc(security=[{}, {"bearerAuth": []}])
    def get(self, z, x, y):
        """Public cases in web-mercator z/x/y, redacted like the public case view."""
        public = current_app.config["GRID_SETTINGS"].public_case_map
        if not public:
            auth.current_principal()  # raises Unauthenticated
        data = case_map.render_tile(db.session(), z, x, y)
        headers = {"Cache-Control": f"{'public' if public else 'private'}, max-age=60"}
        if not data:
            return Response(status=204, headers=headers)
        etag = hashlib.sha256(data).hexdigest()[:32]
        headers["ETag"] = f'"{etag}"'
        if etag in request.if_none_match:
            return Response(status=304, headers=headers)
        return Response(data, mimetype=MVT_MIME, headers=headers)
