"""The API's blueprint class: flask-smorest's, with request schemas built once, JSON bodies
bounded in shape before any schema runs, and JSON text that no database can store refused
as bad input."""

from __future__ import annotations

from typing import Any

import flask_smorest
from webargs.flaskparser import FlaskParser, is_json_request

from grid_api.errors import BadRequest, PayloadTooLarge, ValidationFailed
from grid_api.web.json_limits import shape_violation
from grid_api.web.problems import PROBLEM_MIME, ProblemSchema


def _unstorable_text(value: Any, path: str = "") -> str | None:
    """Where in a JSON document a string cannot be encoded as UTF-8, or None.

    A lone UTF-16 surrogate ("\\ud800") is valid JSON and a valid Python string, but no
    UTF-8 text, and PostgreSQL's text refuses NUL characters."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "_body"
        return path or "_body" if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        found = (_unstorable_text(key, path or "_body")
                 or _unstorable_text(item, f"{path}.{key}" if path else str(key)))
        if found:
            return found
    return None


class ArgumentsParser(FlaskParser):
    def _raw_load_json(self, req: Any) -> Any:
        try:
            # Parsed once per request: the sign-in rate limit reads the phone number first,
            # through Flask's cached get_json; webargs would parse the body again.
            data = req.get_json(silent=True) if is_json_request(req) else None
            if data is None:  # not JSON, invalid JSON (webargs says so), or a bare null
                data = super()._raw_load_json(req)
        except RecursionError as exc:  # nested deeper than any real body
            raise BadRequest("invalid_json") from exc
        if (violation := shape_violation(data)) is not None:
            bound, limit = violation
            raise PayloadTooLarge("body_too_complex", params={"bound": bound, "limit": limit})
        where = _unstorable_text(data)
        if where is not None:
            raise ValidationFailed("invalid_text", errors={where: ["Not valid text."]})
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ArgumentsParser()

    def alt_response(self, status_code: Any, response: Any = None, **kwargs: Any):
        # An error answer is a problem document whatever the view says of it: document it so.
        if (response is None and kwargs.get("schema") is None and isinstance(status_code, int)
                and status_code >= 400):  # noqa: PLR2004 - the error statuses
            kwargs.update(schema=ProblemSchema, content_type=PROBLEM_MIME)
        return super().alt_response(status_code, response, **kwargs)

    def arguments(self, schema: Any, *args: Any, **kwargs: Any):
        # Given a schema class, webargs builds a fresh schema (and copies of its nested
        # schemas) for every request it parses; one instance per endpoint serves them all.
        return super().arguments(schema() if isinstance(schema, type) else schema,
                                 *args, **kwargs)
