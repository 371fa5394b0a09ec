"""The query arguments of GET Service Requests, checked the standard's way (a 400 that
names the argument), with the de-facto extensions: ``page``/``page_size``,
``updated_after``/``updated_before`` and ``extensions``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from grid_api.errors import BadRequest
from grid_api.infra.timestamps import SANE_FROM, SANE_UNTIL
from grid_api.integrations.open311_requests import WINDOW, RequestFilter

MAX_PAGE_SIZE = 1000  # the standard's "first 1000 requests"
MAX_IDS = 200
MAX_PAGE = 10_000


@dataclass(frozen=True)
class ListArguments:
    criteria: RequestFilter
    page: int
    page_size: int
    extensions: bool


def _one(args: dict[str, list[str]], name: str) -> str | None:
    values = [value for value in args.get(name, []) if value != ""]
    if len(values) > 1:
        raise BadRequest("open311_repeated_field", params={"field": name})
    return values[0] if values else None


def _many(args: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """Comma-delimited, and the argument may be declared more than once."""
    return tuple(dict.fromkeys(item.strip() for value in args.get(name, [])
                               for item in value.split(",") if item.strip()))


def parse_datetime(raw: str | None, name: str) -> datetime | None:
    """A W3C datetime that carries its zone (the standard requires one)."""
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest("open311_bad_datetime", params={"field": name})
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # a zone pushes it past what a datetime holds
        moment = None
    if moment is None or not SANE_FROM <= moment < SANE_UNTIL:
        raise BadRequest("open311_bad_datetime", params={"field": name})
    return moment


def _integer(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise BadRequest("open311_bad_argument", params={"field": name})
    return int(raw)


def _window(start: datetime | None, end: datetime | None, *, updated: bool,
            now: datetime) -> tuple[datetime | None, datetime | None]:
    """At most 90 days of requested_datetime; the latest 90 days when no date is given
    (unless the updated_* extension narrows the list instead)."""
    if start is not None and end is not None:
        if end < start:
            raise BadRequest("open311_bad_argument", params={"field": "end_date"})
        if end - start > WINDOW:
            raise BadRequest("open311_window_too_long")
        return start, end
    if start is not None:
        return start, start + WINDOW
    if end is not None:
        return end - WINDOW, end
    return (None, None) if updated else (now - WINDOW, None)


def list_arguments(args: dict[str, list[str]], now: datetime | None = None) -> ListArguments:
    """Raises BadRequest naming the first argument that is wrong."""
    now = now or datetime.now(UTC)
    ids = _many(args, "service_request_id")
    if len(ids) > MAX_IDS:
        raise BadRequest("open311_bad_argument", params={"field": "service_request_id"})
    statuses = _many(args, "status")
    if not set(statuses) <= {"open", "closed"}:
        raise BadRequest("open311_bad_argument", params={"field": "status"})
    updated_after = parse_datetime(_one(args, "updated_after"), "updated_after")
    updated_before = parse_datetime(_one(args, "updated_before"), "updated_before")
    start, end = _window(parse_datetime(_one(args, "start_date"), "start_date"),
                         parse_datetime(_one(args, "end_date"), "end_date"),
                         updated=updated_after is not None or updated_before is not None,
                         now=now)
    extensions = (_one(args, "extensions") or "false").lower()
    if extensions not in {"true", "false"}:
        raise BadRequest("open311_bad_argument", params={"field": "extensions"})
    return ListArguments(
        criteria=RequestFilter(ids=ids, service_codes=_many(args, "service_code"),
                               start=start, end=end, open_closed=statuses,
                               updated_after=updated_after, updated_before=updated_before),
        page=_integer(_one(args, "page"), "page", 1, MAX_PAGE),
        page_size=_integer(_one(args, "page_size"), "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        extensions=extensions == "true")
