"""Admin management of accounts: staff creation, roles, scopes, disabling."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from grid_api.identity import accounts
from grid_api.identity.schemas import (
    UserCreateSchema,
    UserListArgsSchema,
    UserPageSchema,
    UserSchema,
    UserUpdateSchema,
)
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.pagination import paginate
from models.user import Role, User

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Accounts (admin)")


@blp.route("")
class Users(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.arguments(UserListArgsSchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args):
        """List accounts, newest first; filter by `role` or a name/phone fragment `q`."""
        query = accounts.users_query(role=Role(args["role"]) if args.get("role") else None,
                                     search=args.get("q"))
        page = paginate(db.session(), query, order_by=[User.id], limit=args["limit"],
                        cursor=args["cursor"])
        return {"items": [accounts.describe_user(db.session(), u) for u in page.items],
                "next_cursor": page.next_cursor}

    @permissions.require(permissions.ADMIN)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, description="Phone number already registered")
    @db.transactional
    def post(self, body):
        """Create an account with roles and scopes (staff, or a resident on their behalf)."""
        body["roles"] = {Role(role) for role in body["roles"]}
        user = accounts.create_staff(db.session(), current_app.extensions["grid_passwords"],
                                     **body)
        return accounts.describe_user(db.session(), user)


@blp.route("/<int:user_id>")
class UserDetail(MethodView):
    @permissions.require(permissions.ADMIN)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One account."""
        return accounts.describe_user(db.session(), accounts.get_user(db.session(), user_id))

    @permissions.require(permissions.ADMIN)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(409, description="The last active admin would be gone")
    @db.transactional
    def patch(self, body, user_id):
        """Change roles, scopes, name, or disable; disabling or removing roles ends sessions."""
        if "roles" in body:
            body["roles"] = {Role(role) for role in body["roles"]}
        user, _revoked = accounts.update_user(db.session(), user_id, **body)
        return accounts.describe_user(db.session(), user)
