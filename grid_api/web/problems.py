"""Every error answer as localized ``application/problem+json`` (RFC 9457).

Domain errors (``grid_api.errors``), Werkzeug's HTTP errors, webargs' validation
failures and unexpected exceptions all leave through :func:`problem_response`.
"""

from __future__ import annotations

import http
import logging
from collections.abc import Mapping
from typing import Any

import flask_smorest
from flask import Flask, current_app, g, jsonify, request
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from grid_api.errors import AppError
from grid_api.web.i18n import localize_field_errors, negotiate_locale, translate
from grid_api.web.json_limits import cap_errors

log = logging.getLogger(__name__)
PROBLEM_MIME = "application/problem+json"
TYPE_PREFIX = "urn:grid-api:problem:"

_HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "permission_denied", 404: "route_not_found",
    405: "method_not_allowed", 409: "conflict", 412: "stale_version", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    503: "service_unavailable",
}


class ProblemSchema(Schema):
    """The body of every error answer; problems may carry members of their own (RFC 9457
    extension members, such as `checks` of /readyz)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(metadata={"example": "urn:grid-api:problem:not_found"})
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    request_id = fields.String()
    errors = fields.Dict(metadata={"description": "Per-field messages, for validation errors "
                                                  "(at most 50, each cut at 200 characters)"})
    errors_truncated = fields.Boolean(metadata={"description": "Some messages were left out"})


def problem_response(
    status: int,
    code: str,
    *,
    detail_code: str | None = None,
    params: Mapping[str, Any] | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
):
    locale = negotiate_locale()
    body: dict[str, Any] = {
        # The most specific code names the problem: clients branch on it.
        "type": TYPE_PREFIX + (detail_code or code),
        "title": translate(code, locale, **(params or {})),
        "status": status,
        "detail": translate(detail_code or code, locale, **(params or {})),
        "instance": request.path,
        "request_id": g.get("request_id"),
    }
    if errors:
        capped, truncated = cap_errors(errors)
        body["errors"] = localize_field_errors(capped, locale)
        if truncated:
            body["errors_truncated"] = True
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIME
    response.headers["Content-Language"] = locale
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _webargs_errors(data: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten webargs' {location: {field: [msg]}} into {field: [msg]}."""
    messages = data.get("errors") or data.get("messages") or {}
    flat: dict[str, Any] = {}
    for location, value in messages.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[location] = value
    return flat


def _http_exception_response(error: HTTPException):
    status = error.code or 500
    code = _HTTP_CODES.get(status, "internal_error" if status >= 500 else "bad_request")  # noqa: PLR2004
    data = getattr(error, "data", None) or {}
    errors = _webargs_errors(data) if data else {}
    detail_code = None
    if errors == {"json": ["Invalid JSON body."]}:
        code, detail_code, errors, status = "invalid_json", "invalid_json", {}, 400
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    params = {"path": request.path, "method": request.method,
              "limit": current_app.config.get("MAX_CONTENT_LENGTH"),
              "content_type": request.mimetype or "-"}
    return problem_response(status, code, detail_code=detail_code, params=params,
                            errors=errors, headers=headers)


class GridApi(flask_smorest.Api):
    """flask-smorest's Api, answering its own errors as problem+json, and saying so in the
    OpenAPI document."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        return _http_exception_response(error)

    def _register_responses(self) -> None:
        """Error responses as the API sends them: ``application/problem+json``."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:  # noqa: PLR2004 - the error statuses
                response["schema"], content_type = self.ERROR_SCHEMA, PROBLEM_MIME
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIME)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _app_error_response(error: AppError):
    return problem_response(
        error.status, type(error).code, detail_code=error.detail_code, params=error.params,
        errors=error.errors, headers=error.headers, extra=error.extra,
    )


def _unexpected_error_response(error: Exception):
    if current_app.testing:
        raise error
    log.exception("unhandled error")
    return problem_response(500, "internal_error")


def _data_error_response(error: DataError):
    # The database refused a value the schemas let through (a number beyond BIGINT, say):
    # that is bad input, not a server fault.
    log.info("database refused a value: %s", type(error.orig).__name__)
    return problem_response(422, "validation_failed", detail_code="value_out_of_range")


DATABASE_RETRY_AFTER = "5"


def _database_unavailable_response(error: Exception):
    # PostgreSQL down, restarting or out of connections: the request may succeed soon and
    # nothing was written; say so, as 503 with Retry-After, not as a server fault.
    log.warning("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    return problem_response(503, "service_unavailable", detail_code="database_unavailable",
                            headers={"Retry-After": DATABASE_RETRY_AFTER})


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in URLs, limited to what a BIGINT holds: larger ids simply do not exist."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.register_error_handler(AppError, _app_error_response)
    app.register_error_handler(DataError, _data_error_response)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unavailable, _database_unavailable_response)
    app.register_error_handler(Exception, _unexpected_error_response)
