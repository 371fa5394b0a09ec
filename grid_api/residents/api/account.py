"""Deleting one's own account."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from grid_api.residents import erasure
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("account_deletion", __name__, url_prefix="/api/v1/me",
                description="Your account: delete it, keeping your reports anonymised")


class DeletionSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "Your current password, to confirm"})


@blp.route("/deletion")
class Deletion(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(DeletionSchema)
    @blp.response(204)
    @blp.alt_response(401, description="Wrong password")
    @blp.alt_response(403, description="Staff accounts are managed by administrators")
    @db.transactional
    def post(self, body):
        """Delete your account: your name, phone number, devices, inbox, follows and watch
        areas are erased and every session ends; your reports stay, anonymised."""
        erasure.delete_account(db.session(), current_app.extensions["grid_passwords"],
                               auth.current_principal().user_id, password=body["password"])
