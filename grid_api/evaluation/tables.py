"""The indicator table a request asks for: scope granted, definitions read, groups
computed and labelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.cases import deadlines
from grid_api.cases.settings import CaseSettings
from grid_api.errors import ValidationFailed
from grid_api.evaluation import definitions, heat, hotspots, indicators, rankings
from grid_api.evaluation.indicators import Period, Scope
from grid_api.evaluation.overview import figures as overview_figures
from grid_api.evaluation.scope import Asked, area_path_of, grant
from grid_api.identity.principal import Principal
from models.area import Area
from models.category import Category
from models.unit import Unit
from models.user import Role, User


@dataclass(frozen=True)
class Request:
    period: Period
    group_by: str = "none"
    asked: Asked = field(default_factory=Asked)
    category: str | None = None
    sources: tuple[str, ...] = ()
    urgent: bool | None = None


def _int_keys(keys: list[str | None]) -> list[int]:
    return [int(key) for key in keys if key is not None and key.isdigit()]


def labels(session: Session, group_by: str, keys: list[str | None]) -> dict[str | None, Any]:
    """What each group key names: an area, a unit, a grid worker, a category."""
    if group_by == "area":
        rows = session.execute(select(Area.id, Area.code, Area.name)
                               .where(Area.id.in_(_int_keys(keys))))
        return {str(i): {"id": i, "code": code, "name": name} for i, code, name in rows}
    if group_by == "unit":
        rows = session.execute(select(Unit.id, Unit.code, Unit.name)
                               .where(Unit.id.in_(_int_keys(keys))))
        return {str(i): {"id": i, "code": code, "name": name} for i, code, name in rows}
    if group_by == "worker":
        rows = session.execute(select(User.id, User.display_name)
                               .where(User.id.in_(_int_keys(keys))))
        return {str(i): {"id": i, "name": name} for i, name in rows}
    if group_by == "category":
        rows = session.execute(select(Category.code, Category.name_zh, Category.name_en)
                               .where(Category.code.in_([k for k in keys if k])))
        return {code: {"code": code, "name": zh, "name_en": en} for code, zh, en in rows}
    return {}


def indicator_table(session: Session, principal: Principal, request: Request, *,
                    now: datetime) -> dict[str, Any]:
    """Counts and rates for the caller's scope. Raises PermissionDenied, ValidationFailed."""
    granted = grant(session, principal, request.asked)
    scope = Scope(area_path=granted.area_path, unit_id=granted.unit_id,
                  worker_id=granted.worker_id, category=request.category,
                  sources=request.sources, urgent=request.urgent)
    city = definitions.current(session)
    groups = indicators.compute(session, scope=scope, period=request.period,
                                group_by=request.group_by, definitions=city, now=now)
    named = labels(session, request.group_by, list(groups))
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return {
        "period": {"from": request.period.first, "to": request.period.last,
                   "timezone": request.period.zone.key},
        "filters": {"area": granted.area_id, "unit": granted.unit_id,
                    "worker": granted.worker_id, "category": request.category,
                    "source": list(request.sources), "urgent": request.urgent},
        "group_by": request.group_by,
        "definitions": city.as_dict(),
        "as_of": now,
        "total": indicators.describe(indicators.total(groups), city),
        "groups": [] if request.group_by == "none" else [
            {"key": key, "label": named.get(key), **indicators.describe(counts, city)}
            for key, counts in ordered],
    }


def ranking_table(session: Session, principal: Principal, *, kind: str, period: Period,
                  asked: Asked, category: str | None, now: datetime) -> dict[str, Any]:
    """A ranking within the caller's scope. Raises PermissionDenied, ValidationFailed."""
    granted = grant(session, principal, asked)
    scope = Scope(area_path=granted.area_path, category=category)
    table = rankings.ranking(session, kind=kind, scope=scope, period=period, now=now)
    named = labels(session, rankings.KINDS[kind], [item["key"] for item in table["items"]])
    for item in table["items"]:
        item["label"] = named.get(item["key"])
    table["period"] = {"from": period.first, "to": period.last, "timezone": period.zone.key}
    return table


def overview(session: Session, principal: Principal | None, *, area_id: int | None,
             zone: ZoneInfo, now: datetime, case_settings: CaseSettings) -> dict[str, Any]:
    """The one-screen overview: staff within their scope (with the cases behind the
    figures), anyone else the public figures of any area. Raises PermissionDenied,
    ValidationFailed."""
    staff = principal is not None and (principal.has(Role.supervisor)
                                       or principal.has(Role.admin))
    if staff:
        granted = grant(session, principal, Asked(area_id=area_id))
        area_path, shown_area = granted.area_path or "/", granted.area_id
    else:
        area_path = area_path_of(session, area_id) if area_id is not None else "/"
        shown_area = area_id
    answer = overview_figures(session, area_path=area_path, zone=zone, now=now,
                              soon_until=deadlines.due_soon_until(session, case_settings, now),
                              with_cases=staff)
    answer["area"] = shown_area
    named = labels(session, "category", [c["category"] for c in answer["top_categories"]])
    for item in answer["top_categories"]:
        item["label"] = named.get(item["category"])
    if staff:
        units = labels(session, "unit", [str(u["unit_id"]) for u in
                                         answer["most_returned_units"]])
        for item in answer["most_returned_units"]:
            item["label"] = units.get(str(item["unit_id"]))
    return answer


def hotspot_map(session: Session, principal: Principal, *, area_id: int | None,
                period: Period, shape: str, size_m: int,
                category: str | None) -> dict[str, Any]:
    """Hot spots within the caller's scope. Raises PermissionDenied, ValidationFailed."""
    granted = grant(session, principal, Asked(area_id=area_id))
    if granted.area_id is None or granted.area_path is None:
        raise ValidationFailed(errors={"area": ["Name the area to map."]})
    return hotspots.hotspots(session, area_id=granted.area_id, area_path=granted.area_path,
                             period=period, shape=shape, size_m=size_m, category=category)


def heat_map_tile(session: Session, principal: Principal, *, area_id: int | None,
                  period: Period, category: str | None, z: int, x: int, y: int) -> bytes:
    """A `heat` tile of the cases within the caller's scope (an admin's: the whole
    deployment). Raises PermissionDenied, ValidationFailed, BadRequest."""
    granted = grant(session, principal, Asked(area_id=area_id))
    return heat.heat_tile(session, area_path=granted.area_path or "/", period=period,
                          category=category, z=z, x=x, y=y)
