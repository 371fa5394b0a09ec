"""Integration clients (admin): register a system, rotate or revoke its API keys."""

from __future__ import annotations

from flask.views import MethodView

from grid_api.integrations import clients
from grid_api.integrations.schemas import (
    ClientCreateSchema,
    ClientListSchema,
    ClientSchema,
    ClientUpdateSchema,
    IssuedKeySchema,
    NewClientSchema,
    RotateSchema,
)
from grid_api.integrations.views import describe_client
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("clients", __name__, url_prefix="/api/v1/clients",
                description="Integration clients: other systems acting through API keys")


def _described(client_id: int) -> dict:
    session = db.session()
    return describe_client(clients.get_client(session, client_id),
                           clients.keys_of(session, client_id))


@blp.route("")
class Clients(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(200, ClientListSchema)
    def get(self):
        """Every client, with its keys (prefixes only)."""
        session = db.session()
        found = session.execute(clients.clients_query()).scalars().all()
        return {"items": [describe_client(client, clients.keys_of(session, client.id))
                          for client in found]}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(ClientCreateSchema)
    @blp.response(201, NewClientSchema)
    @blp.alt_response(409, description="The name is taken")
    @db.transactional
    def post(self, body):
        """Register a system; the answer carries its API key, shown this once."""
        client, key = clients.create_client(db.session(), **body)
        return describe_client(client, clients.keys_of(db.session(), client.id)) | {
            "api_key": key}


@blp.route("/<int:client_id>")
class ClientDetail(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(200, ClientSchema)
    def get(self, client_id):
        """One client with its keys."""
        return _described(client_id)

    @permissions.require(permissions.ADMIN)
    @blp.arguments(ClientUpdateSchema)
    @blp.response(200, ClientSchema)
    @db.transactional
    def patch(self, body, client_id):
        """Change what the client may do, its rate limit or its owner."""
        clients.update_client(db.session(), client_id, **body)
        return _described(client_id)

    @permissions.require(permissions.ADMIN)
    @blp.response(204)
    @db.transactional
    def delete(self, client_id):
        """Revoke the client and all its keys at once; its cases and history stay."""
        clients.revoke_client(db.session(), client_id)


@blp.route("/<int:client_id>/keys")
class ClientKeys(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(RotateSchema)
    @blp.response(201, IssuedKeySchema)
    @blp.alt_response(409, description="The client is revoked")
    @db.transactional
    def post(self, body, client_id):
        """Rotate: a new key (shown once); the keys in use keep working for the overlap."""
        return {"api_key": clients.rotate_key(db.session(), client_id, **body)}


@blp.route("/<int:client_id>/keys/<int:key_id>")
class ClientKey(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(204)
    @db.transactional
    def delete(self, client_id, key_id):
        """Revoke one key at once."""
        clients.revoke_key(db.session(), client_id, key_id)
