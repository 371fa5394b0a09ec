"""Offline sync: one ordered batch of the operations a phone queued without signal."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from grid_api.fieldwork import patrols, sync
from grid_api.fieldwork.schemas import SyncBatchSchema, SyncResultSchema
from grid_api.web import auth, db, etags, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.i18n import localize_field_errors, negotiate_locale, translate
from grid_api.web.problems import TYPE_PREFIX

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="Offline sync: operations queued on a phone, applied in order, "
                            "each at most once")


def _problem(status: int, error: dict[str, Any], locale: str) -> dict[str, Any]:
    code, detail_code = error["code"], error.get("detail_code") or error["code"]
    params = error.get("params") or {}
    problem = {"type": TYPE_PREFIX + detail_code, "title": translate(code, locale, **params),
               "status": status, "detail": translate(detail_code, locale, **params)}
    if error.get("errors"):
        problem["errors"] = localize_field_errors(error["errors"], locale)
    return problem | (error.get("extra") or {})


@blp.route("")
class Sync(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(SyncBatchSchema)
    @blp.response(200, SyncResultSchema)
    @db.transactional
    def post(self, body):
        """Apply the operations in order, each on its own: one refused does not stop the
        next. Every answer is kept; a resent operation (same `op_id` and body) gets its
        first answer again (`replayed: true`) and is not applied twice."""
        settings = current_app.config["GRID_SETTINGS"]
        ctx = sync.SyncContext(
            db.session(), auth.current_principal(), current_app.extensions["grid_case_settings"],
            patrols.patrol_settings_from(settings), etags.expected_versions)
        locale = negotiate_locale()
        results = []
        for op_id, answer in sync.run_batch(ctx, body["operations"]):
            item: dict[str, Any] = {"op_id": op_id, "status": answer.status,
                                    "replayed": answer.replayed}
            if answer.error is not None:
                item["problem"] = _problem(answer.status, answer.error, locale)
            else:
                item["result"] = answer.result
            results.append(item)
        return {"results": results}
