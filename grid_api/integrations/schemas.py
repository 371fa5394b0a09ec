"""Request and response bodies of the integration clients' admin API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from grid_api.integrations.clients import MAX_OVERLAP_HOURS
from models.integration import ClientChannel, ClientOperation

OPERATIONS = fields.List(
    fields.String(validate=validate.OneOf([op.value for op in ClientOperation])),
    validate=validate.Length(max=len(ClientOperation)),
    metadata={"description": "What the client's keys may do: "
                             + ", ".join(op.value for op in ClientOperation)})
RATE_LIMIT = fields.String(validate=validate.Length(min=1, max=80), metadata={
    "description": 'Requests a client may make, e.g. "120 per minute;2000 per hour"'})


class ApiKeySchema(Schema):
    id = fields.Integer()
    prefix = fields.String(metadata={"description": "The key's first characters"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "A rotated key works until then"})
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "To the minute"})
    active = fields.Boolean()


class ClientSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    channel = fields.String()
    operations = fields.List(fields.String())
    rate_limit = fields.String()
    account_id = fields.Integer(metadata={
        "description": "The account the client acts as: reporter of its cases, actor in "
                       "their timelines"})
    owner_id = fields.Integer(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    keys = fields.List(fields.Nested(ApiKeySchema))


class ClientListSchema(Schema):
    items = fields.List(fields.Nested(ClientSchema))


class IssuedKeySchema(Schema):
    api_key = fields.String(metadata={"description": "Shown this once; only a hash is kept"})


class NewClientSchema(ClientSchema, IssuedKeySchema):
    pass


class ClientUpdateSchema(Schema):
    operations = OPERATIONS
    rate_limit = RATE_LIMIT
    owner_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))


class ClientCreateSchema(ClientUpdateSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    channel = fields.Enum(ClientChannel, required=True, metadata={
        "description": "The source channel its cases are counted under"})
    operations = fields.List(OPERATIONS.inner, required=True,
                             validate=validate.Length(min=1, max=len(ClientOperation)))
    rate_limit = fields.String(load_default="120 per minute",
                               validate=validate.Length(min=1, max=80))


class RotateSchema(Schema):
    overlap_hours = fields.Integer(load_default=24, validate=validate.Range(
        min=0, max=MAX_OVERLAP_HOURS), metadata={
        "description": "How long the keys in use keep working next to the new one"})
