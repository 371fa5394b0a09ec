"""Loading a year's public holidays and make-up days into the working calendar."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.working_time import holidays

blp = Blueprint("holidays", __name__, url_prefix="/api/v1/calendar",
                description="Public holidays and make-up working days (admin)")


class HolidayArgsSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class LoadedDaySchema(Schema):
    day = fields.Date()
    working = fields.Boolean()
    note = fields.String(allow_none=True)


class HolidayLoadSchema(Schema):
    year = fields.Integer()
    source = fields.String(metadata={"description": "The package and version the days came from"})
    holidays = fields.Integer(metadata={"description": "Weekdays off"})
    make_up_days = fields.Integer(metadata={"description": "Weekend days worked (调休)"})
    changed = fields.Integer(metadata={"description": "Days written by this load (0: no change)"})
    days = fields.List(fields.Nested(LoadedDaySchema))


@blp.route("/holidays")
class Holidays(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(HolidayArgsSchema, location="query")
    @blp.response(200, HolidayLoadSchema)
    @blp.alt_response(422, description="The installed holiday data does not cover the year")
    @db.transactional
    def post(self, args):
        """Load the year's public holidays and make-up working days of mainland China into
        the working calendar (from the chinesecalendar package); safe to repeat."""
        return holidays.load_year(db.session(), args["year"])
