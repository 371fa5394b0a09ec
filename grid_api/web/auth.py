"""Bearer tokens: issuing, checking on every request, revocation, and the principal.

Access tokens carry the user's ``token_version`` (``tv``) and session family (``fam``).
Revoked families are listed in Redis, checked first on every request; the principal is
then loaded in one query that also checks the family in the database, so a revocation
holds even when Redis lost or never received it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import jwt
from flask import Flask, current_app, g, has_app_context, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    decode_token,
)
from jwt.exceptions import ExpiredSignatureError, PyJWTError
from redis.exceptions import RedisError
from sqlalchemy import event

from grid_api.errors import Unauthenticated
from grid_api.identity import principals
from grid_api.identity.principal import Principal
from grid_api.identity.sessions import REVOKED_FAMILIES_KEY
from grid_api.web import db

log = logging.getLogger(__name__)
REVOKED_FAMILY_KEY = "auth:revoked-family:{}"


BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="grid-api"'}
CLOCK_SKEW_SECONDS = 30  # phones' clocks drift; a few seconds must not log users out


def _unauthenticated(code: str) -> Unauthenticated:
    return Unauthenticated(code, headers=BEARER_CHALLENGE)


def _family_revoked(family_id: str | None) -> bool:
    if family_id is None:
        return True
    try:
        return bool(db.redis().exists(REVOKED_FAMILY_KEY.format(family_id)))
    except RedisError:
        log.warning("redis unavailable; the database check of the token family decides")
        return False


def publish_revoked_families(family_ids: list[uuid.UUID]) -> None:
    """List revocations in Redis (best effort: the database already holds them)."""
    if not family_ids:
        return
    ttl = int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()) + 60
    try:
        with db.redis().pipeline() as pipe:
            for family_id in family_ids:
                pipe.set(REVOKED_FAMILY_KEY.format(family_id), 1, ex=ttl)
            pipe.execute()
    except RedisError:
        log.warning("redis unavailable; %d revocation(s) held in the database only",
                    len(family_ids))


def refresh_claims(token: str) -> dict[str, Any]:
    """The verified claims of a refresh token; raises Unauthenticated."""
    try:
        claims = decode_token(token)
    except PyJWTError as exc:
        raise Unauthenticated("token_expired" if isinstance(exc, ExpiredSignatureError)
                              else "token_invalid") from exc
    if claims.get("type") != "refresh" or not str(claims.get("sub", "")).isdigit():
        raise Unauthenticated("token_invalid")
    return claims


def _install_publish_hook(app: Flask) -> None:
    @event.listens_for(app.extensions["grid_db"].sessionmaker, "after_commit")
    def _publish(session) -> None:
        revoked = session.info.pop(REVOKED_FAMILIES_KEY, None)
        if revoked and has_app_context():
            publish_revoked_families(revoked)

    @event.listens_for(app.extensions["grid_db"].sessionmaker, "after_rollback")
    def _forget(session) -> None:
        session.info.pop(REVOKED_FAMILIES_KEY, None)


def issue_tokens(user_id: int, token_version: int, family_id: uuid.UUID,
                 refresh_jti: uuid.UUID) -> dict[str, Any]:
    claims = {"tv": token_version, "fam": str(family_id)}
    access = create_access_token(identity=str(user_id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user_id),
                                   additional_claims={**claims, "jti": str(refresh_jti)})
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }


def _access_claims() -> dict[str, Any]:
    """The verified claims of the request's bearer access token; raises Unauthenticated.

    One PyJWT decode with the settings flask-jwt-extended issues tokens with: its own
    request check decodes every token twice (once unverified, for a key callback this
    service does not use), and every request pays for that.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("unauthenticated")
    config = current_app.config
    try:
        claims = jwt.decode(token.strip(), config["JWT_SECRET_KEY"],
                            algorithms=[config["JWT_ALGORITHM"]], leeway=CLOCK_SKEW_SECONDS,
                            options={"require": ["exp", "sub"]})
    except ExpiredSignatureError as exc:
        raise _unauthenticated("token_expired") from exc
    except PyJWTError as exc:
        raise _unauthenticated("token_invalid") from exc
    if claims.get("type") != "access" or not str(claims["sub"]).isdigit():
        raise _unauthenticated("token_invalid")
    if _family_revoked(claims.get("fam")):
        raise _unauthenticated("token_revoked")
    return claims


def current_principal() -> Principal:
    """The authenticated principal of this request; raises Unauthenticated."""
    if "principal" not in g:
        claims = _access_claims()
        principal = principals.load_principal(
            db.session(), int(claims["sub"]), token_version=claims.get("tv"),
            family_id=claims.get("fam"),
        )
        if principal is None:
            raise _unauthenticated("token_revoked")
        g.principal = principal
    return g.principal


def init_app(app: Flask) -> None:
    settings = app.config["GRID_SETTINGS"]
    app.config.update(
        JWT_SECRET_KEY=settings.secret_key,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=settings.access_token_minutes),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=settings.refresh_token_days),
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ALGORITHM="HS256",
        JWT_DECODE_LEEWAY=CLOCK_SKEW_SECONDS,
    )
    _install_publish_hook(app)
    JWTManager(app)  # issues tokens and decodes refresh tokens
