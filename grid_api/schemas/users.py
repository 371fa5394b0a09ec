"""User representations and admin payloads."""

from marshmallow import Schema, fields, validate

from grid_api.pagination import PageArgsSchema
from grid_api.schemas.auth import DISPLAY_NAME
from grid_api.schemas.fields import PhoneNumber
from grid_api.schemas.geo import AreaRefSchema
from models.user import Role

ROLE = fields.String(validate=validate.OneOf([role.value for role in Role]))


class UnitRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    phone = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    unit_id = fields.Integer(allow_none=True)
    area_id = fields.Integer(allow_none=True)
    grid_ids = fields.List(fields.Integer())
    disabled = fields.Boolean()
    created_at = fields.DateTime()


class MeSchema(UserSchema):
    unit = fields.Nested(UnitRefSchema, allow_none=True)
    area = fields.Nested(AreaRefSchema, allow_none=True)
    grid_cells = fields.List(fields.Nested(AreaRefSchema))


class UserPageSchema(Schema):
    items = fields.List(fields.Nested(UserSchema))
    next_cursor = fields.String(allow_none=True)


class UserCreateSchema(Schema):
    phone = PhoneNumber(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    display_name = fields.String(required=True, validate=DISPLAY_NAME)
    roles = fields.List(ROLE, required=True, validate=validate.Length(min=1))
    unit_id = fields.Integer(load_default=None, allow_none=True)
    area_id = fields.Integer(load_default=None, allow_none=True)
    grid_ids = fields.List(fields.Integer(), load_default=list)


class UserUpdateSchema(Schema):
    display_name = fields.String(validate=DISPLAY_NAME)
    roles = fields.List(ROLE, validate=validate.Length(min=1))
    unit_id = fields.Integer(allow_none=True)
    area_id = fields.Integer(allow_none=True)
    grid_ids = fields.List(fields.Integer())
    disabled = fields.Boolean()


class UserListArgsSchema(PageArgsSchema):
    role = ROLE
    q = fields.String(validate=validate.Length(max=50))
