"""The application factory."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from functools import partial

from flask import Flask

from grid_api.cases.settings import CaseSettings
from grid_api.config import Settings
from grid_api.infra import database, outbox, queues, replica, storage
from grid_api.infra.logs import configure_logging
from grid_api.infra.migrations_state import head_revision
from grid_api.infra.passwords import PasswordService
from grid_api.integrations.targets import TargetPolicy
from grid_api.push import settings as push_settings
from grid_api.push.vendors import channels as push_channels
from grid_api.web import auth, body_guard, db, problems, rate_limits, request_ids

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
        # Served by the app itself (grid_api/static/docs, see scripts/vendor-docs-assets.sh):
        # an intranet, or a network where a CDN is blocked, still gets working docs.
        "OPENAPI_SWAGGER_UI_URL": "/static/docs/swagger-ui/",
        "OPENAPI_REDOC_PATH": "/redoc",
        "OPENAPI_REDOC_URL": "/static/docs/redoc/redoc.standalone.js",
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


# Each feature's HTTP modules, in the order their operations appear in the OpenAPI document.
API_MODULES = (
    "grid_api.ops.api.health",
    "grid_api.ops.api.metrics",
    "grid_api.identity.api.auth",
    "grid_api.identity.api.users",
    "grid_api.geography.api.areas",
    "grid_api.geography.api.generations",
    "grid_api.geography.api.grids",
    "grid_api.geography.api.tiles",
    "grid_api.categories.api",
    "grid_api.cases.api.cases",
    "grid_api.cases.api.actions",
    "grid_api.cases.api.attachments",
    "grid_api.dispatch.api",
    "grid_api.working_time.api",
    "grid_api.notifications.api.inbox",
    "grid_api.notifications.api.devices",
    "grid_api.console.api",
    "grid_api.evaluation.api.stats",
    "grid_api.evaluation.api.exports",
    "grid_api.evaluation.api.heat",
    "grid_api.integrations.api.clients",
    "grid_api.integrations.api.open311",
    "grid_api.push.api",
    "grid_api.fieldwork.api.patrols",
    "grid_api.residents.api.follows",
    "grid_api.residents.api.account",
    "grid_api.residents.api.watch_areas",
    "grid_api.residents.api.case_map",
    "grid_api.integrations.api.webhooks",
    "grid_api.integrations.api.own_webhooks",
    "grid_api.integrations.api.workorders",
    "grid_api.integrations.api.questions",
    "grid_api.integrations.api.answers",
    "grid_api.integrations.api.merge_candidates",
    "grid_api.integrations.api.merges",
    "grid_api.fieldwork.api.duty",
    "grid_api.fieldwork.api.coverage",
    "grid_api.fieldwork.api.sync",
    "grid_api.fieldwork.api.missed",
)


def _register_blueprints(api: problems.GridApi) -> None:
    for module_name in API_MODULES:
        api.register_blueprint(importlib.import_module(module_name).blp)


def create_app(overrides: Mapping[str, object] | None = None,
               settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    app = Flask("grid_api")
    app.url_map.converters["int"] = problems.BoundedIntConverter
    app.config.update(_flask_config(settings))
    app.config.update(overrides or {})

    db_handle = database.Database(
        database.make_engine(settings.database_url, pool_size=settings.db_pool_size))
    redis_connection = queues.connect(settings.redis_url)
    app.extensions["grid_db"] = db_handle
    app.extensions["grid_redis"] = redis_connection
    app.extensions["grid_outbox_handoff"] = partial(queues.hand_off_new_messages,
                                                    redis_connection)
    app.extensions["grid_migration_head"] = head_revision()
    app.extensions["grid_passwords"] = PasswordService(settings.password_hash_memory_kib)
    app.extensions["grid_case_settings"] = CaseSettings.from_settings(settings)
    app.extensions["grid_push"] = push_settings.load(settings, {
        name: channel.variables for name, channel in push_channels().items()})
    app.extensions["grid_storage"] = storage.from_settings(settings)
    app.extensions["grid_replica"] = replica.from_settings(settings, db_handle)
    app.extensions["grid_webhook_targets"] = TargetPolicy.from_settings(
        settings.webhook_allow_private_targets, settings.webhook_allowed_networks)
    outbox.install_hooks(db_handle.sessionmaker, lambda: app.extensions["grid_outbox_handoff"])
    app.teardown_appcontext(db.close_session)

    request_ids.init_app(app)
    body_guard.init_app(app)
    auth.init_app(app)
    rate_limits.init_app(app)
    api = problems.GridApi(app)
    app.extensions["grid_openapi"] = api
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    problems.init_app(app)
    _register_blueprints(api)
    return app
