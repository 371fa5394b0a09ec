"""Grid cells: which cell is this point in, and who patrols it."""

from __future__ import annotations

from flask.views import MethodView

from geo.crs import to_wgs84
from grid_api.errors import PermissionDenied
from grid_api.geography import areas, policy
from grid_api.geography.schemas import (
    LocateArgsSchema,
    LocateResultSchema,
    WorkerListSchema,
    WorkersSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("grids", __name__, url_prefix="/api/v1/grids", description="Grid cells")


@blp.route("/locate")
class Locate(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.arguments(LocateArgsSchema, location="query")
    @blp.response(200, LocateResultSchema)
    @blp.alt_response(404, description="Outside every grid cell")
    def get(self, args):
        """The grid cell covering a point, with its ancestors. In an overlap between cells
        (real surveys have them) the cell with the lowest code wins."""
        lon, lat = to_wgs84(args["lon"], args["lat"], args["crs"])
        cell, chain = areas.locate(db.session(), lon, lat)
        return {"cell": cell, "ancestors": chain, "point": [lon, lat]}


@blp.route("/<int:cell_id>/workers")
class CellWorkers(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.response(200, WorkerListSchema)
    def get(self, cell_id):
        """The grid workers of a cell."""
        _require_manageable(cell_id)
        return {"cell_id": cell_id, "workers": areas.grid_workers(db.session(), cell_id)}

    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(WorkersSchema)
    @blp.response(200, WorkerListSchema)
    @db.transactional
    def put(self, body, cell_id):
        """Replace the grid workers of a cell (admins; supervisors within their area)."""
        _require_manageable(cell_id)
        workers = areas.set_grid_workers(db.session(), cell_id, body["user_ids"])
        return {"cell_id": cell_id, "workers": workers}


def _require_manageable(cell_id: int) -> None:
    cell = areas.get_area(db.session(), cell_id)
    if not policy.can_manage_area(auth.current_principal(), cell.path):
        raise PermissionDenied
