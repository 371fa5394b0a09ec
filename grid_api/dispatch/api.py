"""Units, routing rules and the working calendar: how cases reach the right hands in time."""

from __future__ import annotations

import dataclasses

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from geo.crs import to_wgs84
from grid_api.categories.catalogue import reportable_category
from grid_api.dispatch import routing, units
from grid_api.geography import areas
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.fields import CRS, LAT, LON
from grid_api.web.pagination import PageArgsSchema, paginate
from grid_api.working_time import calendar
from models.routing import RoutingRule
from models.unit import Unit

blp = Blueprint("dispatching", __name__, url_prefix="/api/v1",
                description="Units, routing rules and the working calendar (admin)")


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    parent_id = fields.Integer(allow_none=True)
    contact_phone = fields.String(allow_none=True, validate=validate.Length(max=20))


class UnitUpdateSchema(UnitSchema):
    code = fields.String(validate=validate.Length(min=1, max=40))
    name = fields.String(validate=validate.Length(min=1, max=100))


class UnitPageSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema))
    next_cursor = fields.String(allow_none=True)


class RuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    category = fields.String(required=True, metadata={"description": "Minor or major class"})
    area_id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    priority = fields.Integer(load_default=0, validate=validate.Range(min=-1000, max=1000))
    active = fields.Boolean(dump_only=True)


class RulePageSchema(Schema):
    items = fields.List(fields.Nested(RuleSchema))
    next_cursor = fields.String(allow_none=True)


class ResolveArgsSchema(Schema):
    category = fields.String(required=True)
    lon = fields.Float(required=True, validate=LON)
    lat = fields.Float(required=True, validate=LAT)
    crs = CRS


class ResolutionSchema(Schema):
    cell = fields.Dict()
    unit_id = fields.Integer(allow_none=True)
    rule_id = fields.Integer(allow_none=True)
    explanation = fields.String()
    candidates = fields.List(fields.Dict(), metadata={"description": "Best first"})


class CalendarDaySchema(Schema):
    day = fields.Date(required=True)
    working = fields.Boolean(required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=50))


class CalendarArgsSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class CalendarListSchema(Schema):
    items = fields.List(fields.Nested(CalendarDaySchema))


@blp.route("/units")
class Units(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, UnitPageSchema)
    def get(self, args):
        """Units, newest first."""
        page = paginate(db.session(), units.units_query(), order_by=[Unit.id],
                        limit=args["limit"], cursor=args["cursor"])
        return {"items": page.items, "next_cursor": page.next_cursor}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    @blp.alt_response(409, description="The code is taken")
    @db.transactional
    def post(self, body):
        """Create a unit (a responsible department)."""
        return units.save_unit(db.session(), Unit(), **body)


@blp.route("/units/<int:unit_id>")
class UnitDetail(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(UnitUpdateSchema)
    @blp.response(200, UnitSchema)
    @db.transactional
    def patch(self, body, unit_id):
        """Rename a unit, move it under another, change its contact."""
        return units.save_unit(db.session(), units.get_unit(db.session(), unit_id), **body)


def _rule_view(rule: RoutingRule, category_code: str) -> dict:
    return {"id": rule.id, "category": category_code, "area_id": rule.area_id,
            "unit_id": rule.unit_id, "priority": rule.priority, "active": rule.active}


@blp.route("/routing-rules")
class RoutingRules(MethodView):
    @permissions.require(permissions.SUPERVISION)
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, RulePageSchema)
    def get(self, args):
        """Routing rules, newest first."""
        page = paginate(db.session(), routing.rules_query(), order_by=[RoutingRule.id],
                        limit=args["limit"], cursor=args["cursor"], rows=True)
        return {"items": [_rule_view(rule, code) for rule, code in page.items],
                "next_cursor": page.next_cursor}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(RuleSchema)
    @blp.response(201, RuleSchema)
    @db.transactional
    def post(self, body):
        """Add a rule: category (minor or major class) × area (any level) → unit."""
        return _rule_view(routing.create_rule(db.session(), **body), body["category"])


@blp.route("/routing-rules/<int:rule_id>")
class RoutingRuleDetail(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(204)
    @db.transactional
    def delete(self, rule_id):
        """Retire a rule (kept for the record, no longer applied)."""
        routing.retire_rule(db.session(), rule_id)


@blp.route("/routing-rules/resolve")
class ResolveRule(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.arguments(ResolveArgsSchema, location="query")
    @blp.response(200, ResolutionSchema)
    def get(self, args):
        """Which unit a report of `category` at this point would go to, and why."""
        category = reportable_category(db.session(), args["category"])
        cell, chain = areas.locate(db.session(), *to_wgs84(args["lon"], args["lat"],
                                                           args["crs"]))
        ranked = routing.candidates(db.session(), category,
                                    [area.id for area in chain] + [cell.id])
        best = ranked[0] if ranked else None
        return {"cell": dataclasses.asdict(cell), "unit_id": best.unit_id if best else None,
                "rule_id": best.rule_id if best else None,
                "explanation": routing.explain(category, ranked),
                "candidates": [c.as_dict() for c in ranked]}


@blp.route("/calendar")
class Calendar(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(CalendarArgsSchema, location="query")
    @blp.response(200, CalendarListSchema)
    def get(self, args):
        """The days of a year that break the weekday rule (holidays, make-up days)."""
        return {"items": calendar.calendar_year(db.session(), args["year"])}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(CalendarDaySchema)
    @blp.response(200, CalendarDaySchema)
    @db.transactional
    def put(self, body):
        """Mark a day as working or not (a holiday, or a make-up working day)."""
        return calendar.set_calendar_day(db.session(), **body)
