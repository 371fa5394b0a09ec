"""Stored files on the wire: the process's store, and downloads that leave as a redirect to
a short-lived URL of the object store (S3) or, on local disk, as the bytes themselves.

Call :func:`send_stored` only after the permission check: the redirect is the permission.
"""

from __future__ import annotations

from flask import Response, current_app, redirect

from grid_api.infra.storage import Storage, attachment_disposition


def storage() -> Storage:
    """The store this process writes to (``STORAGE_BACKEND``)."""
    return current_app.extensions["grid_storage"]


def send_stored(key: str, *, mimetype: str, etag: str | None = None,
                filename: str | None = None, max_age: int = 86400) -> Response:
    url = storage().download_url(key, content_type=mimetype, filename=filename)
    if url is not None:
        response = redirect(url, code=302)
        # The URL expires within minutes: neither the answer nor the URL may be kept.
        response.headers["Cache-Control"] = "private, no-store"
        return response
    headers = {"Cache-Control": f"private, max-age={max_age}",
               "X-Content-Type-Options": "nosniff"}
    if etag:
        headers["ETag"] = f'"{etag}"'
    if filename:
        headers["Content-Disposition"] = attachment_disposition(filename)
    return Response(storage().get(key), mimetype=mimetype, headers=headers)
