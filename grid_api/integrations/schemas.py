"""Request and response bodies of the integration clients' admin API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from grid_api.integrations.clients import MAX_OVERLAP_HOURS
from grid_api.web.pagination import PageArgsSchema
from models.integration import ClientChannel, ClientOperation, DeliveryStatus, WebhookEventType

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


EVENT_TYPES = fields.List(
    fields.String(validate=validate.OneOf([t.value for t in WebhookEventType])),
    validate=validate.Length(min=1, max=len(WebhookEventType)),
    metadata={"description": "Events to hear of: "
                             + ", ".join(t.value for t in WebhookEventType)})


class WebhookEndpointSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    event_types = fields.List(fields.String())
    area_id = fields.Integer(allow_none=True, metadata={
        "description": "Every case in this area; none: the cases the client filed"})
    failing_since = fields.DateTime(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True, metadata={
        "description": "`failing` (days of failed attempts) or `by_hand`"})
    created_at = fields.DateTime()


class NewWebhookEndpointSchema(WebhookEndpointSchema):
    secret = fields.String(metadata={
        "description": "The Standard Webhooks signing secret (whsec_…), shown this once"})


class WebhookEndpointListSchema(Schema):
    items = fields.List(fields.Nested(WebhookEndpointSchema))


class WebhookEndpointUpdateSchema(Schema):
    url = fields.Url(schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=500))
    event_types = EVENT_TYPES
    enabled = fields.Boolean(metadata={
        "description": "true switches a disabled endpoint back on; its waiting messages go"})


class WebhookEndpointCreateSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=500))
    event_types = fields.List(EVENT_TYPES.inner, required=True,
                              validate=validate.Length(min=1, max=len(WebhookEventType)))
    area_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


class DeliverySchema(Schema):
    id = fields.Integer()
    message_id = fields.String(metadata={"description": "The webhook-id header"})
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending, delivered or dead"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    payload = fields.Dict()


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    next_cursor = fields.String(allow_none=True)


class DeliveryArgsSchema(PageArgsSchema):
    status = fields.Enum(DeliveryStatus, load_default=None, metadata={
        "description": "`dead`: the dead-letter list"})
