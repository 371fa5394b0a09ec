"""Vector tiles (Mapbox Vector Tile) of grid cells and the levels above them."""

from __future__ import annotations

from flask.views import MethodView

from grid_api.geography.tiles import LAYERS, render_tile
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.tiles import MVT_MIME, mvt_response

blp = Blueprint("tiles", __name__, url_prefix="/api/v1/tiles",
                description=f"Vector tiles; layers: {', '.join(LAYERS)}")
CACHE_CONTROL = "public, max-age=300"


@blp.route("/<string:layer>/<int:z>/<int:x>/<int:y>.mvt")
class Tile(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, description="A Mapbox vector tile", content_type=MVT_MIME)
    @blp.alt_response(204, description="Nothing in this tile")
    @blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
    @blp.alt_response(400, description="Impossible z/x/y")
    @db.transactional  # keeps a freshly rendered low-zoom tile in the cache
    def get(self, layer, z, x, y):
        """A tile in web-mercator z/x/y; cacheable, with an ETag."""
        data = render_tile(db.read_session(), layer, z, x, y)  # lag-tolerant: a replica
        return mvt_response(data, cache_control=CACHE_CONTROL)
