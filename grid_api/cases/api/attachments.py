"""Photos of a case: upload (multipart), list, download the EXIF-free copy."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from grid_api.cases import attachments, queries
from grid_api.cases.schemas import (
    AttachmentFormSchema,
    AttachmentListSchema,
    AttachmentSchema,
    PublishableSchema,
)
from grid_api.errors import PayloadTooLarge, ValidationFailed
from grid_api.web import auth, db, files, permissions
from grid_api.web.blueprint import Blueprint

blp = Blueprint("attachments", __name__, url_prefix="/api/v1/cases",
                description="Photos: JPEG, PNG, WebP or HEIC, checked by content, re-encoded "
                            "without EXIF; the original position and time are kept for staff")


def _uploaded_bytes() -> bytes:
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(errors={"file": ["Missing data for required field."]})
    limit = current_app.config["GRID_SETTINGS"].photo_max_bytes
    try:
        data = upload.stream.read(limit + 1)
    finally:
        upload.close()  # large uploads spool to a temporary file
    if len(data) > limit:
        raise PayloadTooLarge(params={"limit": limit})
    if not data:
        raise ValidationFailed(errors={"file": ["The file is empty."]})
    return data


@blp.route("/<int:case_id>/attachments")
class CaseAttachments(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(AttachmentFormSchema, location="form")
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(200, description="The same photo was uploaded before (a retry)")
    @blp.alt_response(413, description="Larger than PHOTO_MAX_BYTES")
    @blp.alt_response(415, description="Not a JPEG, PNG, WebP or HEIC image")
    @blp.alt_response(403, description="`kind` on someone else's report")
    @blp.alt_response(422, description="A decompression bomb, or a corrupt file; a fix on "
                                       "the spot's photo without `kind`, without a GPS "
                                       "position or taken too far from the case")
    @blp.alt_response(503, description="The file store is unavailable: nothing was saved; "
                                       "retry after `Retry-After` seconds")
    @db.transactional
    def post(self, form, case_id):
        """Attach a photo (multipart field `file`; `purpose`: report, resolution,
        verification or comment; `kind`: before or after, for a fix on the spot)."""
        principal = auth.current_principal()
        attachment, created = attachments.add_photo(
            db.session(), files.storage(), principal, case_id, data=_uploaded_bytes(),
            purpose=form["purpose"], kind=form.get("kind"),
            far_metres=current_app.config["GRID_SETTINGS"].photo_far_metres,
            settings=current_app.extensions["grid_case_settings"])
        case = queries.get_case(db.session(), case_id)
        described = attachments.describe_photo(principal, case, attachment)
        return described | {"case_status": case.status.value}, 201 if created else 200

    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, AttachmentListSchema)
    def get(self, case_id):
        """The case's photos (with EXIF evidence for staff). Others than the reporter and
        the staff in charge see only the photos staff marked publishable."""
        principal = auth.current_principal()
        case, photos = attachments.list_photos(db.session(), principal, case_id)
        return {"items": [attachments.describe_photo(principal, case, p) for p in photos]}


@blp.route("/<int:case_id>/attachments/<int:attachment_id>")
class AttachmentFile(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, description="The re-encoded JPEG (local storage)",
                  content_type="image/jpeg")
    @blp.alt_response(302, description="Object storage: a redirect to a URL of the store "
                                       "that works for S3_URL_SECONDS")
    def get(self, case_id, attachment_id):
        """The photo re-encoded, without EXIF; to others than the reporter and the staff
        in charge only once marked publishable."""
        attachment = attachments.get_photo(db.session(), auth.current_principal(), case_id,
                                           attachment_id)
        return files.send_stored(attachment.storage_key, mimetype="image/jpeg",
                                 etag=attachment.sha256[:32])


@blp.route("/<int:case_id>/attachments/<int:attachment_id>/publishable")
class AttachmentPublication(MethodView):
    @permissions.require(permissions.STAFF)
    @blp.arguments(PublishableSchema)
    @blp.response(200, AttachmentSchema)
    @db.transactional
    def put(self, body, case_id, attachment_id):
        """Mark a photo publishable (or take it back): staff who see the case in full."""
        principal = auth.current_principal()
        case, attachment = attachments.set_publishable(
            db.session(), principal, case_id, attachment_id, publishable=body["publishable"])
        return attachments.describe_photo(principal, case, attachment)
