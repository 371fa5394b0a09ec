"""Statistics: indicators and the city's 口径 (definitions)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView

from grid_api.evaluation import definitions, rankings, tables
from grid_api.evaluation.indicators import Period
from grid_api.evaluation.schemas import (
    DefinitionsSchema,
    HotspotArgsSchema,
    HotspotMapSchema,
    IndicatorArgsSchema,
    IndicatorTableSchema,
    OverviewArgsSchema,
    OverviewSchema,
    RankingArgsSchema,
    RankingSchema,
    RankingSettingsSchema,
)
from grid_api.evaluation.scope import Asked
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("statistics", __name__, url_prefix="/api/v1/stats",
                description="Evaluation: indicators, rankings and the overview (一屏通览)")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["GRID_SETTINGS"].timezone)


def _period(args: dict) -> Period:
    """The asked days in the city's zone. Raises ValidationFailed."""
    return Period.checked(args["from_"], args["to"], _zone())


@blp.route("/indicators")
class Indicators(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.arguments(IndicatorArgsSchema, location="query")
    @blp.response(200, IndicatorTableSchema)
    @blp.alt_response(403, description="An area, unit or worker outside your scope")
    @blp.alt_response(422, description="Unknown grouping, inverted or too long a period")
    def get(self, args):
        """Counts and rates (GB/T 30428.4) for your scope over a period: supervisors their
        area subtree, unit staff their unit, grid workers their own reports."""
        request = tables.Request(
            period=_period(args),
            group_by=args["group_by"],
            asked=Asked(area_id=args.get("area"), unit_id=args.get("unit"),
                        worker_id=args.get("worker")),
            category=args.get("category"), sources=tuple(s.value for s in args.get("source", ())),
            urgent=args.get("urgent"))
        return tables.indicator_table(db.session(), auth.current_principal(), request,
                                      now=datetime.now(UTC))


@blp.route("/definitions")
class Definitions(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, DefinitionsSchema)
    def get(self):
        """The city's 口径: the cohort and denominators its published rates use."""
        return definitions.current(db.session()).as_dict()

    @permissions.require(permissions.ADMIN)
    @blp.arguments(DefinitionsSchema)
    @blp.response(200, DefinitionsSchema)
    @db.transactional
    def patch(self, body):
        """Change the 口径; every indicator answer from now on names the new one."""
        return definitions.change(db.session(), body,
                                  actor_id=auth.current_principal().user_id).as_dict()


@blp.route("/rankings")
class Rankings(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(RankingArgsSchema, location="query")
    @blp.response(200, RankingSchema)
    @blp.alt_response(403, description="An area outside your scope")
    @blp.alt_response(422, description="Unknown kind, inverted or too long a period")
    def get(self, args):
        """Units, areas (the children of the area) or grid workers, best first: weighted
        sums of rates with the city's weights and grade bands, each score explained."""
        return tables.ranking_table(
            db.session(), auth.current_principal(), kind=args["kind"],
            period=_period(args),
            asked=Asked(area_id=args.get("area")), category=args.get("category"),
            now=datetime.now(UTC))


@blp.route("/ranking-settings")
class RankingSettings(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.response(200, RankingSettingsSchema)
    def get(self):
        """Weights per kind of ranking (percent, summing to 100) and grade bands."""
        return rankings.settings(db.session())

    @permissions.require(permissions.ADMIN)
    @blp.arguments(RankingSettingsSchema)
    @blp.response(200, RankingSettingsSchema)
    @db.transactional
    def patch(self, body):
        """Change the weights of a kind of ranking, or the grade bands."""
        return rankings.change(db.session(), body, actor_id=auth.current_principal().user_id)


@blp.route("/overview")
class Overview(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(OverviewArgsSchema, location="query")
    @blp.response(200, OverviewSchema)
    @blp.alt_response(403, description="An area outside your scope")
    def get(self, args):
        """一屏通览: today, this month and this year; open cases by status; overdue and
        nearly overdue cases; top categories; channels; the units with most returns; the
        trend against last year."""
        return tables.overview(db.session(), auth.current_principal(),
                               area_id=args.get("area"), zone=_zone(), now=datetime.now(UTC),
                               case_settings=current_app.extensions["grid_case_settings"])


@blp.route("/public-overview")
class PublicOverview(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.arguments(OverviewArgsSchema, location="query")
    @blp.response(200, OverviewSchema)
    def get(self, args):
        """The city's published figures for an area, as bulletins show them: counts, rates,
        categories and channels, no case and no person."""
        return tables.overview(db.session(), None, area_id=args.get("area"), zone=_zone(),
                               now=datetime.now(UTC),
                               case_settings=current_app.extensions["grid_case_settings"])


@blp.route("/hotspots")
class Hotspots(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(HotspotArgsSchema, location="query")
    @blp.response(200, HotspotMapSchema)
    @blp.alt_response(403, description="An area outside your scope")
    @blp.alt_response(422, description="A bad period, or hexagons too small for the area")
    def get(self, args):
        """Cases per grid cell or per hexagon of an area over a period, with the
        Getis-Ord Gi* score of each place: where clusters are significant, not just dense."""
        return tables.hotspot_map(
            db.session(), auth.current_principal(), area_id=args.get("area"),
            period=_period(args), shape=args["shape"],
            size_m=args["size_m"], category=args.get("category"))
