"""The error taxonomy: every domain failure the API can answer, with its HTTP status.

A leaf module: every layer may raise these. ``grid_api.web.problems`` turns them into
localized problem+json; ``code`` names the message in ``grid_api.web.i18n``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class AppError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    commit_before_raise: ClassVar[bool] = False

    def __init__(
        self,
        code: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        errors: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail_code = code or self.code
        self.params = dict(params or {})
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail_code)


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class Unauthenticated(AppError):
    status = 401
    code = "unauthenticated"


class PermissionDenied(AppError):
    status = 403
    code = "permission_denied"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Gone(AppError):
    status = 410
    code = "gone"


class StaleVersion(AppError):
    status = 412
    code = "stale_version"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"


class BusinessRuleViolation(AppError):
    status = 422
    code = "business_rule_violation"


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"


class StorageUnavailable(ServiceUnavailable):
    """The object store did not answer or failed: nothing was stored, retrying is safe."""

    code = "storage_unavailable"
    RETRY_AFTER_SECONDS: ClassVar[int] = 5

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(self.RETRY_AFTER_SECONDS)},
                         extra={"retryable": True})
