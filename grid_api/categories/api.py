"""The category taxonomy (部件 / 事件, 大类 / 小类): read by all, managed by admins."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.categories import catalogue
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories",
                description="Case categories after GB/T 30428.2 / CJ/T 214")

STAGES = ("register", "handle", "verify")
# ``urgent_<stage>``: the limit for 急要件 (urgent cases); without it they get a share of
# the ordinary limit (URGENT_LIMIT_PERCENT).
LIMIT = fields.Dict(keys=fields.String(validate=validate.OneOf(
                        [*STAGES, *(f"urgent_{stage}" for stage in STAGES)])),
                    values=fields.Dict())


class CategorySchema(Schema):
    code = fields.String()
    kind = fields.String()
    major = fields.String(allow_none=True)
    name_zh = fields.String()
    name_en = fields.String()
    photo_required = fields.Boolean()
    time_limits = LIMIT
    active = fields.Boolean()
    sensitive = fields.Boolean(metadata={"description": "The public sees only the grid cell's "
                                                        "centre of its cases, and no text"})
    allows_on_site_fix = fields.Boolean(metadata={
        "description": "自行处置: grid workers may report a problem of this category as "
                       "fixed on the spot (before and after photos), closed at once"})


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema))


class CategoryUpdateSchema(Schema):
    name_zh = fields.String(validate=validate.Length(min=1, max=50))
    name_en = fields.String(validate=validate.Length(min=1, max=80))
    photo_required = fields.Boolean()
    active = fields.Boolean()
    time_limits = LIMIT
    sensitive = fields.Boolean(metadata={"description": "Disputes between neighbours, anything "
                                                        "naming a person"})
    allows_on_site_fix = fields.Boolean(metadata={
        "description": "自行处置: set to let grid workers fix it on the spot, clear to stop"})


class CategoryCreateSchema(CategoryUpdateSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[CE]\d{4}$"),
                         metadata={"description": "A new minor class: C or E, major, minor"})
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=80))


@blp.route("")
class Categories(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, CategoryListSchema)
    def get(self):
        """The active taxonomy: major classes and their minor classes, with time limits."""
        rows = db.session().execute(catalogue.categories_query()).scalars()
        return {"items": [catalogue.describe_category(c) for c in rows]}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(CategoryCreateSchema)
    @blp.response(201, CategorySchema)
    @blp.alt_response(409, description="The code exists")
    @db.transactional
    def post(self, body):
        """Add a minor class under an existing major class (cities extend the taxonomy)."""
        return catalogue.describe_category(catalogue.create_category(db.session(), **body))


@blp.route("/<string:code>")
class CategoryDetail(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(CategoryUpdateSchema)
    @blp.response(200, CategorySchema)
    @db.transactional
    def patch(self, body, code):
        """Rename, retire (`active: false`), or change the photo rule, time limits or
        whether grid workers may fix it on the spot (`allows_on_site_fix`)."""
        return catalogue.describe_category(catalogue.update_category(db.session(), code,
                                                                        **body))
