"""Your watch areas: hear of new public cases and closures around you."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from geo.crs import to_wgs84
from grid_api.residents import watching
from grid_api.residents.schemas import (
    WatchAreaCreateSchema,
    WatchAreaListSchema,
    WatchAreaSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("watch_areas", __name__, url_prefix="/api/v1/me/watch-areas",
                description="Watch areas: new public cases and closures in your community, "
                            "street or around a point, at once or in a daily digest")


def _limits() -> watching.WatchLimits:
    settings = current_app.config["GRID_SETTINGS"]
    return watching.WatchLimits(areas_per_user=settings.watch_areas_max,
                                radius_max_m=settings.watch_radius_max_m)


@blp.route("")
class WatchAreas(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, WatchAreaListSchema)
    def get(self):
        """Your watch areas, oldest first."""
        session = db.session()
        rows = session.execute(watching.watch_areas_query(
            auth.current_principal().user_id)).scalars()
        return {"items": [watching.describe_watch_area(session, watch) for watch in rows]}

    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(WatchAreaCreateSchema)
    @blp.response(201, WatchAreaSchema)
    @blp.alt_response(422, description="Neither or both of `area_id` and `circle`, an area too "
                                       "large, a circle over the limit, too many watch areas, "
                                       "or an unknown category group")
    @db.transactional
    def post(self, body):
        """Watch an area (`area_id`: a street, community or grid cell) or a `circle`."""
        circle = body.get("circle")
        center = (to_wgs84(*circle["center"]["coordinates"], body["crs"])
                  if circle else None)
        session = db.session()
        watch = watching.create_watch_area(
            session, auth.current_principal().user_id, _limits(), area_id=body.get("area_id"),
            center=center, radius_m=circle["radius_m"] if circle else None,
            category_groups=body["category_groups"], daily_digest=body["daily_digest"])
        return watching.describe_watch_area(session, watch)


@blp.route("/<int:watch_id>")
class WatchAreaDetail(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(204)
    @blp.alt_response(404, description="No such watch area of yours")
    @db.transactional
    def delete(self, watch_id):
        """Stop watching."""
        watching.delete_watch_area(db.session(), auth.current_principal().user_id, watch_id)
