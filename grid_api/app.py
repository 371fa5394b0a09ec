"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from flask import Flask

from grid_api import (
    auth,
    body_guard,
    db,
    http_errors,
    outbox,
    queues,
    rate_limits,
    request_context,
)
from grid_api.config import Settings
from grid_api.logs import configure_logging
from grid_api.migrations_state import head_revision
from grid_api.passwords import PasswordService

log = logging.getLogger(__name__)


def _flask_config(settings: Settings) -> dict:
    return {
        "GRID_SETTINGS": settings,
        "SECRET_KEY": settings.secret_key,
        "TESTING": settings.env == "testing",
        "MAX_CONTENT_LENGTH": settings.max_content_length,
        "JSON_SORT_KEYS": False,
        "API_TITLE": "grid-api",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Grid-based community governance: report, register, dispatch, handle, "
                    "verify, close, evaluate. Errors are application/problem+json, "
                    "localized by Accept-Language (zh-CN default, en)."
                ),
            },
        },
    }


def _register_blueprints(api: http_errors.GridApi) -> None:
    from grid_api.api import BLUEPRINTS  # noqa: PLC0415 - views import the app's modules

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)


def create_app(overrides: Mapping[str, object] | None = None,
               settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    app = Flask("grid_api")
    app.url_map.converters["int"] = http_errors.BoundedIntConverter
    app.config.update(_flask_config(settings))
    app.config.update(overrides or {})

    database = db.Database(db.make_engine(settings.database_url, pool_size=settings.db_pool_size))
    redis_connection = queues.connect(settings.redis_url)
    app.extensions["grid_db"] = database
    app.extensions["grid_redis"] = redis_connection
    app.extensions["grid_outbox_handoff"] = partial(queues.hand_off_new_messages,
                                                    redis_connection)
    app.extensions["grid_migration_head"] = head_revision()
    app.extensions["grid_passwords"] = PasswordService(settings.password_hash_memory_kib)
    outbox.install_hooks(database.sessionmaker, lambda: app.extensions["grid_outbox_handoff"])
    app.teardown_appcontext(db.close_session)

    request_context.init_app(app)
    body_guard.init_app(app)
    auth.init_app(app)
    rate_limits.init_app(app)
    api = http_errors.GridApi(app)
    app.extensions["grid_openapi"] = api
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    http_errors.init_app(app)
    _register_blueprints(api)
    return app
