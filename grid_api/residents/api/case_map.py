"""The public map of cases as vector tiles; anonymous where the city publishes its map."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from grid_api.residents import case_map
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.tiles import MVT_MIME, mvt_response

blp = Blueprint("case_map", __name__, url_prefix="/api/v1/tiles",
                description="The public map of cases (layer `cases`)")
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
        return mvt_response(data, cache_control=f"{'public' if public else 'private'}, max-age=60")
