"""The API's blueprint class: flask-smorest's, with request schemas built once."""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask_smorest.utils import resolve_schema_instance


class Blueprint(flask_smorest.Blueprint):
    """Given a schema class, webargs builds a fresh schema (and copies of its nested
    schemas) for every request it parses; one instance per endpoint serves them all."""

    def arguments(self, schema: Any, *args: Any, **kwargs: Any):
        return super().arguments(resolve_schema_instance(schema), *args, **kwargs)
