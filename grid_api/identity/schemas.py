"""Registration, sign-in, token and user schemas."""

from marshmallow import Schema, fields, validate

from grid_api.web.fields import AreaRefSchema, PhoneNumber, UnitRefSchema
from grid_api.web.pagination import PageArgsSchema
from models.user import Role

DISPLAY_NAME = validate.Length(min=1, max=50)


class RegisterSchema(Schema):
    phone = PhoneNumber(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))
    display_name = fields.String(required=True, validate=DISPLAY_NAME)


class LoginSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(max=32))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(max=2000))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(max=128))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=128))


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


ROLE = fields.String(validate=validate.OneOf([role.value for role in Role]))


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
