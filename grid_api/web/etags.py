"""ETag syntax for versioned resources: ``W/"<id>-<version>"`` out, ``If-Match`` in.

The domain never sees a header: it receives the versions the caller will accept (or None
for no precondition) and compares them with the row it locked.
"""

from __future__ import annotations

import re

from flask import request

ANY = "*"
_TAG = re.compile(r'^(?:W/)?"(\d+)-(\d+)"$')


def etag(resource_id: int, version: int) -> str:
    return f'W/"{resource_id}-{version}"'


def expected_versions(resource_id: int, header: str | None) -> frozenset[int] | None:
    """The versions ``If-Match`` accepts for this resource; None when it sets no condition.

    A tag of another resource, or one we never issued, accepts nothing (412).
    """
    if header is None or header.strip() == ANY:
        return None
    versions = set()
    for raw in header.split(","):
        match = _TAG.match(raw.strip())
        if match and int(match.group(1)) == resource_id:
            versions.add(int(match.group(2)))
    return frozenset(versions)


def if_match(resource_id: int) -> frozenset[int] | None:
    """The current request's ``If-Match`` for this resource."""
    return expected_versions(resource_id, request.headers.get("If-Match"))
