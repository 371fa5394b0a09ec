"""A client's webhook endpoints (admin): subscribe, change, switch back on, read the
deliveries and the dead-letter list, replay a message."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from grid_api.integrations import webhooks
from grid_api.integrations.schemas import (
    DeliveryArgsSchema,
    DeliveryPageSchema,
    DeliverySchema,
    NewWebhookEndpointSchema,
    WebhookEndpointCreateSchema,
    WebhookEndpointListSchema,
    WebhookEndpointSchema,
    WebhookEndpointUpdateSchema,
)
from grid_api.integrations.targets import TargetPolicy
from grid_api.integrations.views import describe_endpoint
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.pagination import paginate
from models.integration import WebhookDelivery

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/clients/<int:client_id>/webhooks",
                description="Webhooks (Standard Webhooks): where a client hears about cases")


def _targets() -> TargetPolicy:
    """Where the deployment lets webhooks go (WEBHOOK_ALLOW_PRIVATE_TARGETS, …)."""
    return current_app.extensions["grid_webhook_targets"]


@blp.route("")
class Endpoints(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(200, WebhookEndpointListSchema)
    def get(self, client_id):
        """The client's endpoints."""
        return {"items": [describe_endpoint(e)
                          for e in webhooks.endpoints_of(db.session(), client_id)]}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(WebhookEndpointCreateSchema)
    @blp.response(201, NewWebhookEndpointSchema)
    @blp.alt_response(422, description="A URL webhooks may not go to: loopback, link-local, "
                                       "metadata or private (`webhook_target_forbidden`)")
    @db.transactional
    def post(self, body, client_id):
        """Subscribe a URL; the answer carries its signing secret, shown this once."""
        endpoint = webhooks.create_endpoint(db.session(), client_id, targets=_targets(),
                                            **body)
        return describe_endpoint(endpoint) | {"secret": endpoint.secret}


@blp.route("/<int:endpoint_id>")
class Endpoint(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(200, WebhookEndpointSchema)
    def get(self, client_id, endpoint_id):
        """One endpoint: whether it is failing, or switched off and why."""
        return describe_endpoint(webhooks.get_endpoint(db.session(), client_id, endpoint_id))

    @permissions.require(permissions.ADMIN)
    @blp.arguments(WebhookEndpointUpdateSchema)
    @blp.response(200, WebhookEndpointSchema)
    @blp.alt_response(422, description="A URL webhooks may not go to: loopback, link-local, "
                                       "metadata or private (`webhook_target_forbidden`)")
    @db.transactional
    def patch(self, body, client_id, endpoint_id):
        """Change the URL or the events; `enabled: true` switches it back on."""
        return describe_endpoint(webhooks.update_endpoint(db.session(), client_id,
                                                          endpoint_id, targets=_targets(),
                                                          **body))

    @permissions.require(permissions.ADMIN)
    @blp.response(204)
    @db.transactional
    def delete(self, client_id, endpoint_id):
        """Unsubscribe; its messages go with it."""
        webhooks.delete_endpoint(db.session(), client_id, endpoint_id)


@blp.route("/<int:endpoint_id>/deliveries")
class Deliveries(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(DeliveryArgsSchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, args, client_id, endpoint_id):
        """Messages to the endpoint, newest first; `status=dead` is the dead-letter list."""
        webhooks.get_endpoint(db.session(), client_id, endpoint_id)
        page = paginate(db.session(), webhooks.deliveries_query(endpoint_id, args["status"]),
                        order_by=[WebhookDelivery.created_at, WebhookDelivery.id],
                        limit=args["limit"], cursor=args["cursor"])
        return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/replay")
class Replay(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(202, DeliverySchema)
    @db.transactional
    def post(self, client_id, endpoint_id, delivery_id):
        """Send a message again (a dead one, or a delivered one the receiver lost), under
        its own webhook-id."""
        return webhooks.replay(db.session(), client_id, endpoint_id, delivery_id)
