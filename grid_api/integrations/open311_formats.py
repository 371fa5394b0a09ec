"""Open311 GeoReport v2 documents in both of the standard's formats.

The XML is the standard's required format: no namespace, UTF-8 with a declaration, lists as
repeated elements. The JSON follows from it by the Spark convention the standard names: a
list root becomes an array, a nested list (``formats``, ``values``, ``notes``) an array of
its items, an empty element ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")

# A list inside an element: the list's tag → the tag of each item.
ITEM_TAGS = {"services": "service", "service_requests": "request", "errors": "error",
             "attributes": "attribute", "values": "value", "endpoints": "endpoint",
             "formats": "format", "notes": "note"}


def w3c(moment: datetime) -> str:
    """A W3C datetime to the second, with its zone: 2010-04-14T06:37:38+08:00."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)


def _fill(parent: Element, tag: str, value: Any) -> None:
    element = SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            _fill(element, ITEM_TAGS.get(tag, "item"), item)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """The document as UTF-8 XML with its declaration."""
    element = Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _fill(element, key, value)
    else:
        for item in body:
            _fill(element, ITEM_TAGS[root], item)
    return tostring(element, encoding="utf-8", xml_declaration=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(item) for item in value]
    return value


def to_json(body: Mapping[str, Any] | Sequence[Any]) -> bytes:
    return json.dumps(_plain(body), ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, body: Mapping[str, Any] | Sequence[Any]) -> tuple[bytes, str]:
    """The document and its content type, in ``fmt`` (``xml`` or ``json``)."""
    if fmt == "json":
        return to_json(body), JSON_CONTENT_TYPE
    return to_xml(root, body), XML_CONTENT_TYPE


def error_list(problems: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """The standard's error answer: ``[{code, description}, …]``."""
    return [{"code": code, "description": description} for code, description in problems]
