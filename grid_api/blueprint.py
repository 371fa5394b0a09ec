"""The API's blueprint class: flask-smorest's, with request schemas built once."""

from __future__ import annotations

from typing import Any

import flask_smorest


class Blueprint(flask_smorest.Blueprint):
    """Given a schema class, webargs builds a fresh schema (and copies of its nested
    schemas) for every request it parses; one instance per endpoint serves them all."""

    def arguments(self, schema: Any, *args: Any, **kwargs: Any):
        return super().arguments(schema() if isinstance(schema, type) else schema,
                                 *args, **kwargs)
