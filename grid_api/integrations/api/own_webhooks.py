"""A client's own webhook endpoints, managed with its API key (``webhooks.manage``): the
cases it filed only; subscriptions to an area are an admin's to grant."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.integrations import webhooks
from grid_api.integrations.api.keys import KEY_HEADER, current_client, requires_key
from grid_api.integrations.schemas import (
    EVENT_TYPES,
    DeliveryArgsSchema,
    DeliveryPageSchema,
    DeliverySchema,
    NewWebhookEndpointSchema,
    WebhookEndpointListSchema,
    WebhookEndpointSchema,
    WebhookEndpointUpdateSchema,
)
from grid_api.integrations.targets import TargetPolicy
from grid_api.integrations.views import describe_endpoint
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.pagination import paginate
from models.integration import ClientOperation, WebhookDelivery, WebhookEventType

blp = Blueprint("own_webhooks", __name__, url_prefix="/api/v1/integrations/webhooks",
                description="A client's own webhooks, with its API key in X-API-Key")
MANAGE = ClientOperation.webhooks_manage
KEY_DOC = {"parameters": [{"in": "header", "name": KEY_HEADER, "required": True,
                           "schema": {"type": "string"}}]}


def _targets() -> TargetPolicy:
    """Where the deployment lets webhooks go (WEBHOOK_ALLOW_PRIVATE_TARGETS, …)."""
    return current_app.extensions["grid_webhook_targets"]


class OwnEndpointCreateSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=500))
    event_types = fields.List(EVENT_TYPES.inner, required=True,
                              validate=validate.Length(min=1, max=len(WebhookEventType)))


@blp.route("")
class OwnEndpoints(MethodView):
    @permissions.require(permissions.PUBLIC)  # a client's key, checked next
    @requires_key(MANAGE)
    @blp.response(200, WebhookEndpointListSchema)
    @blp.doc(**KEY_DOC)
    def get(self):
        """Your endpoints."""
        return {"items": [describe_endpoint(e) for e in
                          webhooks.endpoints_of(db.session(), current_client().client_id)]}

    @permissions.require(permissions.PUBLIC)
    @requires_key(MANAGE)
    @blp.arguments(OwnEndpointCreateSchema)
    @blp.response(201, NewWebhookEndpointSchema)
    @blp.alt_response(422, description="A URL webhooks may not go to: loopback, link-local, "
                                       "metadata or private (`webhook_target_forbidden`)")
    @blp.doc(**KEY_DOC)
    @db.transactional
    def post(self, body):
        """Subscribe a URL to the cases you filed; the signing secret is shown this once."""
        endpoint = webhooks.create_endpoint(db.session(), current_client().client_id,
                                            targets=_targets(), **body)
        return describe_endpoint(endpoint) | {"secret": endpoint.secret}


@blp.route("/<int:endpoint_id>")
class OwnEndpoint(MethodView):
    @permissions.require(permissions.PUBLIC)
    @requires_key(MANAGE)
    @blp.arguments(WebhookEndpointUpdateSchema)
    @blp.response(200, WebhookEndpointSchema)
    @blp.alt_response(422, description="A URL webhooks may not go to: loopback, link-local, "
                                       "metadata or private (`webhook_target_forbidden`)")
    @blp.doc(**KEY_DOC)
    @db.transactional
    def patch(self, body, endpoint_id):
        """Change the URL or events; `enabled: true` switches it back on."""
        return describe_endpoint(webhooks.update_endpoint(
            db.session(), current_client().client_id, endpoint_id, targets=_targets(),
            **body))

    @permissions.require(permissions.PUBLIC)
    @requires_key(MANAGE)
    @blp.response(204)
    @blp.doc(**KEY_DOC)
    @db.transactional
    def delete(self, endpoint_id):
        """Unsubscribe."""
        webhooks.delete_endpoint(db.session(), current_client().client_id, endpoint_id)


@blp.route("/<int:endpoint_id>/deliveries")
class OwnDeliveries(MethodView):
    @permissions.require(permissions.PUBLIC)
    @requires_key(MANAGE)
    @blp.arguments(DeliveryArgsSchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    @blp.doc(**KEY_DOC)
    def get(self, args, endpoint_id):
        """Messages to the endpoint, newest first; `status=dead` is the dead-letter list."""
        webhooks.get_endpoint(db.session(), current_client().client_id, endpoint_id)
        page = paginate(db.session(), webhooks.deliveries_query(endpoint_id, args["status"]),
                        order_by=[WebhookDelivery.created_at, WebhookDelivery.id],
                        limit=args["limit"], cursor=args["cursor"])
        return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/replay")
class OwnReplay(MethodView):
    @permissions.require(permissions.PUBLIC)
    @requires_key(MANAGE)
    @blp.response(202, DeliverySchema)
    @blp.doc(**KEY_DOC)
    @db.transactional
    def post(self, endpoint_id, delivery_id):
        """Send a message again, under its own webhook-id."""
        return webhooks.replay(db.session(), current_client().client_id, endpoint_id,
                               delivery_id)
