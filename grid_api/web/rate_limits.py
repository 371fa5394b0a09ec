"""Brute-force protection (flask-limiter on Redis): per client address and per account.

Limits are read from the settings at request time, so each deployment (and the test
suite) sets its own. When Redis is unreachable, limits are skipped rather than failing
sign-in for everyone. Login, registration and refresh share one budget per address.

Behind a reverse proxy every client arrives from the proxy's address: with
TRUSTED_PROXY_HOPS=n the client address is read from the last n X-Forwarded-For entries
(werkzeug's ProxyFix); off by default, since a client could forge the header.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from grid_api.identity.phones import normalize_phone

limiter = Limiter(key_func=get_remote_address, key_prefix="grid-rl", strategy="moving-window",
                  headers_enabled=True, swallow_errors=True)


def _setting(name: str) -> str:
    return getattr(current_app.config["GRID_SETTINGS"], name)


def per_address_limit() -> str:
    return _setting("auth_limit_per_address")


def login_account_limit() -> str:
    return _setting("login_limit_per_account")


def register_account_limit() -> str:
    return _setting("register_limit_per_account")


def account_key() -> str:
    """The account a sign-in attempt names (normalized phone), whatever its spelling."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than any real body; the view refuses it
        body = None
    raw = body.get("phone") if isinstance(body, dict) else None
    phone = normalize_phone(raw) if isinstance(raw, str) else None
    return f"account:{phone or '-'}"


def init_app(app: Flask) -> None:
    if hops := app.config["GRID_SETTINGS"].trusted_proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config["RATELIMIT_STORAGE_URI"] = app.config["GRID_SETTINGS"].redis_url
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 2}
    limiter.init_app(app)
