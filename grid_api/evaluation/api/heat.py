"""The `heat` vector-tile layer: where cases were reported, for the supervisors' map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView

from grid_api.evaluation import tables
from grid_api.evaluation.indicators import Period
from grid_api.evaluation.schemas import HeatTileArgsSchema
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.tiles import MVT_MIME, mvt_response

blp = Blueprint("heat_tiles", __name__, url_prefix="/api/v1/tiles",
                description="The `heat` layer: cases per bin, binned by zoom")
DEFAULT_DAYS = 30


@blp.route("/heat/<int:z>/<int:x>/<int:y>.mvt")
class HeatTile(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(HeatTileArgsSchema, location="query")
    @blp.response(200, description="A Mapbox vector tile, layer `heat`: points with `count`",
                  content_type=MVT_MIME)
    @blp.alt_response(204, description="No case of your area and period in this tile")
    @blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
    @blp.alt_response(400, description="Impossible z/x/y")
    @blp.alt_response(403, description="An area outside your scope")
    @blp.alt_response(422, description="A bad period")
    def get(self, args, z, x, y):
        """Cases reported in your area over a period (the last 30 days unless named), one
        point per occupied bin with its `count`: a bin is 1/64 of the tile, so the layer
        aggregates by zoom."""
        zone = ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)
        last = args.get("to") or datetime.now(UTC).astimezone(zone).date()
        first = args.get("from_") or last - timedelta(days=DEFAULT_DAYS - 1)
        data = tables.heat_map_tile(
            db.read_session(), auth.current_principal(), area_id=args.get("area"),
            period=Period.checked(first, last, zone), category=args.get("category"),
            z=z, x=x, y=y)
        return mvt_response(data, cache_control="private, max-age=60")
