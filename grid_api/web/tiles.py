"""Vector tiles on the wire: 204 for an empty tile, an ETag from the bytes, 304 when the
client already holds them — the same for every tile layer."""

from __future__ import annotations

import hashlib

from flask import Response, request

MVT_MIME = "application/vnd.mapbox-vector-tile"


def mvt_response(data: bytes | None, *, cache_control: str) -> Response:
    headers = {"Cache-Control": cache_control}
    if not data:
        return Response(status=204, headers=headers)
    etag = hashlib.sha256(data).hexdigest()[:32]
    headers["ETag"] = f'"{etag}"'
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(data, mimetype=MVT_MIME, headers=headers)
