"""Sign-up, sign-in, token refresh, sign-out and password change."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from grid_api.identity import accounts, sessions
from grid_api.identity.phones import normalize_phone
from grid_api.identity.schemas import (
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
    RefreshSchema,
    RegisterSchema,
    TokenPairSchema,
    UserSchema,
)
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.rate_limits import (
    account_key,
    limiter,
    login_account_limit,
    per_address_limit,
    register_account_limit,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _passwords():
    return current_app.extensions["grid_passwords"]


def _refresh_lifetime():
    return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


def _tokens(signed_in: sessions.SignedIn) -> dict:
    return auth.issue_tokens(signed_in.user.id, signed_in.user.token_version,
                             signed_in.family_id, signed_in.refresh_jti)


@blp.route("/auth/register")
class Register(MethodView):
    @permissions.require(permissions.PUBLIC)
    @limiter.shared_limit(per_address_limit, scope="auth-address")
    @limiter.limit(register_account_limit, key_func=account_key, scope="register-account")
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, description="Phone number already registered")
    @blp.alt_response(429, description="Too many attempts")
    @db.transactional
    def post(self, body):
        """Register as a resident."""
        user = accounts.register_resident(db.session(), _passwords(), **body)
        return accounts.describe_user(db.session(), user)


@blp.route("/auth/login")
class Login(MethodView):
    @permissions.require(permissions.PUBLIC)
    @limiter.shared_limit(per_address_limit, scope="auth-address")
    @limiter.limit(login_account_limit, key_func=account_key, scope="login-account")
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, description="Wrong phone number or password")
    @blp.alt_response(403, description="Account disabled")
    @blp.alt_response(429, description="Too many attempts")
    @db.transactional
    def post(self, body):
        """Sign in with phone number and password; returns an access and a refresh token."""
        signed_in = sessions.login(db.session(), _passwords(), phone=normalize_phone(body["phone"]),
                                   password=body["password"],
                                   refresh_lifetime=_refresh_lifetime())
        return _tokens(signed_in)


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @permissions.require(permissions.PUBLIC)
    @limiter.shared_limit(per_address_limit, scope="auth-address")
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, description="Invalid, expired, revoked or reused refresh token")
    @db.transactional
    def post(self, body):
        """Exchange a refresh token for a new pair. A reused refresh token ends its session."""
        claims = auth.refresh_claims(body["refresh_token"])
        signed_in = sessions.rotate(db.session(), jti=claims.get("jti"),
                                    user_id=int(claims["sub"]),
                                    refresh_lifetime=_refresh_lifetime())
        return _tokens(signed_in)


@blp.route("/auth/logout")
class Logout(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(204)
    @db.transactional
    def post(self):
        """End this session: its access and refresh tokens stop working."""
        sessions.logout(db.session(), family_id=auth.current_principal().family_id)


@blp.route("/auth/password")
class PasswordChange(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(401, description="Current password wrong")
    @db.transactional
    def post(self, body):
        """Change the password; every session of the account ends, this one included."""
        accounts.change_password(db.session(), _passwords(), auth.current_principal().user_id,
                                 **body)


@blp.route("/me")
class Me(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, MeSchema)
    def get(self):
        """The signed-in user: roles and scopes (unit, area, grid cells)."""
        user = accounts.get_user(db.session(), auth.current_principal().user_id)
        return accounts.describe_user(db.session(), user, with_scopes=True)
