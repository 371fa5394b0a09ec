"""Registration, sign-in and token schemas."""

from marshmallow import Schema, fields, validate

from grid_api.schemas.fields import PhoneNumber

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
