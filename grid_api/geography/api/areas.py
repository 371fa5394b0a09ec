"""The area tree as GeoJSON; import of surveyed boundaries; grid generation."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from geo.grid import CellShape
from geo.levels import AreaLevel
from grid_api.geography import area_import, areas, grid_generation
from grid_api.geography.schemas import (
    AreaDetailArgsSchema,
    AreaListArgsSchema,
    EstimateArgsSchema,
    FeatureCollectionSchema,
    FeatureSchema,
    GenerateSchema,
    GenerationEstimateSchema,
    GenerationReportSchema,
    GeoJSONInputSchema,
    ImportArgsSchema,
    ImportReportSchema,
)
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.pagination import paginate
from models.area import Area

blp = Blueprint("areas", __name__, url_prefix="/api/v1/areas",
                description="Areas: city, districts, streets, communities, grid cells")


@blp.route("")
class Areas(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.arguments(AreaListArgsSchema, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, args):
        """Areas as a GeoJSON FeatureCollection (newest first), paged by `next_cursor`."""
        criteria = areas.AreaFilter(
            level=AreaLevel(args["level"]) if args.get("level") else None,
            parent_id=args.get("parent"), bbox=args.get("bbox"),
            include_retired=args["include_retired"])
        page = paginate(db.session(), areas.areas_query(criteria, args.get("zoom")),
                        order_by=[Area.id], limit=args["limit"], cursor=args["cursor"], rows=True)
        return {"type": "FeatureCollection",
                "features": [areas.area_feature(area, geojson) for area, geojson in page.items],
                "next_cursor": page.next_cursor}


@blp.route("/<int:area_id>")
class AreaDetail(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.arguments(AreaDetailArgsSchema, location="query")
    @blp.response(200, FeatureSchema)
    def get(self, args, area_id):
        """One area as a GeoJSON Feature."""
        return areas.area_feature(*areas.area_with_geojson(db.session(), area_id,
                                                           args.get("zoom")))


@blp.route("/import")
class AreaImport(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.arguments(GeoJSONInputSchema)
    @blp.response(200, ImportReportSchema)
    @db.transactional
    def post(self, args, collection):
        """Import a FeatureCollection into the subtree of `area`, or without `area` from the
        root down (a city, several cities, or a province with its cities). Each feature's
        level and parent come from its code; a whole hierarchy in one file is imported
        level by level, parents in the same file counting. Per-feature report of what was
        created, updated, repaired or rejected, plus overlaps and gaps. All or nothing."""
        report = area_import.import_areas(
            db.session(), area_id=args["area"], collection=collection,
            dry_run=args["dry_run"], code_property=args["code_property"],
            name_property=args["name_property"])
        return report.as_dict()


@blp.route("/<int:area_id>/generate-grid")
class GenerateGrid(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(GenerateSchema)
    @blp.response(201, GenerationReportSchema)
    @blp.alt_response(409, description="The area has children already")
    @blp.alt_response(422, description="`generation_too_large`: the estimate is over "
                                       "GRID_GENERATION_MAX_CELLS (see the estimate)")
    @db.transactional
    def post(self, body, area_id):
        """Cut the area into square or hexagonal children of `size_m` metres. The cell
        count is estimated first; over GRID_GENERATION_MAX_CELLS nothing is generated."""
        report = grid_generation.generate_children(
            db.session(), area_id, shape=CellShape(body["shape"]), size_m=body["size_m"],
            code_digits=body["code_digits"], name_prefix=body.get("name_prefix"),
            max_cells=current_app.config["GRID_SETTINGS"].grid_generation_max_cells)
        return report.__dict__


@blp.route("/<int:area_id>/generate-grid/estimate")
class GenerateGridEstimate(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(EstimateArgsSchema, location="query")
    @blp.response(200, GenerationEstimateSchema)
    def get(self, args, area_id):
        """About how many cells `generate-grid` would make, and whether that is allowed."""
        estimate = grid_generation.estimate_generation(
            db.session(), area_id, shape=CellShape(args["shape"]), size_m=args["size_m"])
        limit = current_app.config["GRID_SETTINGS"].grid_generation_max_cells
        return {"estimated_cells": estimate.cells, "limit": limit,
                "allowed": estimate.cells <= limit
                and estimate.lattice <= grid_generation.LATTICE_FACTOR * limit}
