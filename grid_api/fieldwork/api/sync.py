"""Offline sync: one ordered batch of the operations a phone queued without signal."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView

from grid_api.cases.schemas import AttachmentFormSchema
from grid_api.errors import PayloadTooLarge, ValidationFailed
from grid_api.fieldwork import patrols, sync
from grid_api.fieldwork.schemas import SyncBatchSchema, SyncPhotoResultSchema, SyncResultSchema
from grid_api.infra.storage import LocalStorage
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


def _context() -> sync.SyncContext:
    settings = current_app.config["GRID_SETTINGS"]
    return sync.SyncContext(
        db.session(), auth.current_principal(), current_app.extensions["grid_case_settings"],
        patrols.patrol_settings_from(settings), etags.expected_versions,
        storage=LocalStorage(settings.storage_dir), far_metres=settings.photo_far_metres)


def _uploaded_bytes() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(errors={"file": ["Missing data for required field."]})
    limit = current_app.config["GRID_SETTINGS"].photo_max_bytes
    try:
        data = upload.stream.read(limit + 1)
    finally:
        upload.close()
    if len(data) > limit:
        raise PayloadTooLarge(params={"limit": limit})
    if not data:
        raise ValidationFailed(errors={"file": ["The file is empty."]})
    return data


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
        ctx = _context()
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


@blp.route("/photos/<string:op_id>")
class SyncPhotos(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(AttachmentFormSchema, location="form")
    @blp.response(201, SyncPhotoResultSchema)
    @blp.alt_response(202, schema=SyncPhotoResultSchema,
                      description="The operation has not arrived yet: the photo waits for it")
    @blp.alt_response(413, description="Larger than PHOTO_MAX_BYTES")
    @blp.alt_response(415, description="Not a JPEG, PNG, WebP or HEIC image")
    @db.transactional
    def post(self, form, op_id):
        """A photo for a queued operation (multipart `file`, `purpose`, or `kind` for a fix
        on the spot), before or after the operation: attached to its case at once, or when
        the operation arrives."""
        if not 1 <= len(op_id) <= 64:  # noqa: PLR2004 - the length of an operation id
            raise ValidationFailed(errors={"op_id": ["Length must be between 1 and 64."]})
        attached, done = sync.add_photo(_context(), op_id, data=_uploaded_bytes(),
                                        purpose=form["purpose"], kind=form.get("kind"))
        return {"op_id": op_id, "attached": done, "attachment": attached}, 201 if done else 202
