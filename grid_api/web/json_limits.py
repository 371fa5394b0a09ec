"""Bounds on a JSON body's shape, checked before any schema sees it, and on the size of the
validation errors sent back: a small request must not buy seconds of work or megabytes of
answer."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 32  # a GeoJSON FeatureCollection of MultiPolygons nests 7 deep
MAX_OBJECT_KEYS = 256  # members of one object; no schema of ours has a tenth of that
MAX_KEYS = 50_000  # object members in the whole body (a large import's properties)
MAX_ARRAY_ITEMS = 1_000_000  # items of one array (surveyed rings can be long)
MAX_ERROR_MESSAGES = 50  # field messages in one problem answer
MAX_ERROR_TEXT = 200  # characters of one field name or message


def shape_violation(document: Any) -> tuple[str, int] | None:
    """The first bound ``document`` breaks, as (bound, limit), or None."""
    keys_left = [MAX_KEYS]

    def walk(node: Any, depth: int) -> tuple[str, int] | None:
        if depth > MAX_DEPTH:
            return "depth", MAX_DEPTH
        if type(node) is dict:
            if len(node) > MAX_OBJECT_KEYS:
                return "object_keys", MAX_OBJECT_KEYS
            keys_left[0] -= len(node)
            if keys_left[0] < 0:
                return "keys", MAX_KEYS
            children = node.values()
        else:
            if len(node) > MAX_ARRAY_ITEMS:
                return "array_items", MAX_ARRAY_ITEMS
            children = node
        for child in children:
            kind = type(child)
            if (kind is dict or kind is list) and (found := walk(child, depth + 1)):
                return found
        return None

    kind = type(document)
    return walk(document, 1) if kind is dict or kind is list else None


def _short(text: Any) -> Any:
    if isinstance(text, str) and len(text) > MAX_ERROR_TEXT:
        return text[:MAX_ERROR_TEXT] + "…"
    return text


def cap_errors(errors: Any) -> tuple[Any, bool]:
    """At most MAX_ERROR_MESSAGES messages of at most MAX_ERROR_TEXT characters, in their
    nesting; returns (errors, whether any were left out)."""
    budget = [MAX_ERROR_MESSAGES]
    truncated = [False]

    def cap(node: Any) -> Any:
        if isinstance(node, dict):
            kept = {}
            for key, value in node.items():
                if budget[0] <= 0:
                    truncated[0] = True
                    break
                kept[_short(key)] = cap(value)
            return kept
        if isinstance(node, list | tuple):
            kept_items = []
            for item in node:
                if budget[0] <= 0:
                    truncated[0] = True
                    break
                kept_items.append(cap(item))
            return kept_items
        budget[0] -= 1
        if isinstance(node, str) and len(node) > MAX_ERROR_TEXT:
            truncated[0] = True
        return _short(node)

    capped = cap(errors)
    return capped, truncated[0]
