"""POST Service Request: an Open311 form filed as a case of the client that sent it.

The client's account is the reporter and the actor of the opening steps; the client, the
standard's optional fields (email, device_id, names, phone, media_url) and a token are kept
beside the case. ``media_url`` is stored as a link and never fetched.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.crs import Crs, to_wgs84
from grid_api.cases import filing
from grid_api.cases.settings import CaseSettings
from grid_api.errors import BadRequest, NotFound
from grid_api.identity.principal import Principal
from grid_api.integrations.clients import ClientIdentity
from models.case import CaseSource
from models.category import Category
from models.integration import ClientCase, ClientChannel
from models.user import Role

MAX_DESCRIPTION = 4000  # the standard's limit
MAX_FIELD = 200
PERSON_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")


@dataclass
class ServiceRequestForm:
    service_code: str
    lon: float
    lat: float
    crs: str
    description: str | None
    address: str | None
    media_url: str | None
    person: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = [value for value in form.get(name, []) if value != ""]
    if len(values) > 1:
        raise BadRequest("open311_repeated_field", params={"field": name})
    return values[0] if values else None


def _number(form: dict[str, list[str]], name: str, bound: float) -> float | None:
    raw = _one(form, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound:
        raise BadRequest("open311_bad_coordinate", params={"field": name})
    return value


def _attributes(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for name, value in pairs:
        match = _ATTRIBUTE.match(name)
        if match is None:
            if name.startswith("attribute"):
                raise BadRequest("open311_bad_attribute", params={"field": name[:80]})
            continue
        code, many = match.groups()
        if many:
            attributes.setdefault(code, [])
            if not isinstance(attributes[code], list):
                raise BadRequest("open311_bad_attribute", params={"field": name})
            attributes[code].append(value)
        elif code in attributes:
            raise BadRequest("open311_bad_attribute", params={"field": name})
        else:
            attributes[code] = value
    return attributes


def parse_form(pairs: list[tuple[str, str]]) -> ServiceRequestForm:
    """The standard's form fields, checked. Raises BadRequest naming what is wrong."""
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        if "\x00" in value:
            raise BadRequest("open311_bad_text", params={"field": name[:80]})
        form.setdefault(name, []).append(value)
    code = _one(form, "service_code")
    if code is None:
        raise BadRequest("open311_missing_field", params={"field": "service_code"})
    lat, lon = _number(form, "lat", 90), _number(form, "long", 180)
    if lat is None or lon is None:
        if (lat is None) != (lon is None):
            raise BadRequest("open311_missing_field", params={"field": "lat/long"})
        if _one(form, "address_string") or _one(form, "address_id"):
            raise BadRequest("open311_address_only")
        raise BadRequest("open311_missing_location")
    crs = _one(form, "crs") or "wgs84"
    if crs not in {c.value for c in Crs}:
        raise BadRequest("open311_bad_crs", params={"crs": crs[:20]})
    description = _one(form, "description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise BadRequest("open311_description_too_long", params={"limit": MAX_DESCRIPTION})
    person = {name: value for name in PERSON_FIELDS if (value := _one(form, name))}
    for name, value in person.items():
        if len(value) > MAX_FIELD:
            raise BadRequest("open311_field_too_long", params={"field": name,
                                                               "limit": MAX_FIELD})
    media_url = _one(form, "media_url")
    if media_url is not None and (len(media_url) > 2000 or not re.match(  # noqa: PLR2004
            r"^https?://\S+$", media_url)):
        raise BadRequest("open311_bad_media_url")
    address = _one(form, "address_string")
    return ServiceRequestForm(
        service_code=code, lon=lon, lat=lat, crs=crs, description=description,
        address=address[:MAX_FIELD] if address else None, media_url=media_url, person=person,
        attributes=_attributes(pairs))


def file_request(session: Session, client: ClientIdentity, settings: CaseSettings,
                 form: ServiceRequestForm, *, locale: str) -> tuple[str, ClientCase]:
    """File the request as the client's case; returns its service_request_id (the case
    code) and its link to the client. Raises NotFound (unknown service code),
    ValidationFailed (the attributes do not answer the category's questions),
    BusinessRuleViolation (outside_service_area)."""
    names = session.execute(select(Category.name_zh, Category.name_en).where(
        Category.code == form.service_code, Category.parent_id.is_not(None),
        Category.active)).one_or_none()
    if names is None:
        raise NotFound("unknown_service_code", params={"service_code": form.service_code[:64]})
    service_name = names.name_en if locale == "en" else names.name_zh
    lon, lat = to_wgs84(form.lon, form.lat, form.crs)
    account = Principal(user_id=client.account_id, roles=frozenset({Role.resident}))
    filed = filing.report_case(
        session, account, settings, category=form.service_code,
        description=form.description or service_name, lon=lon, lat=lat, crs=form.crs,
        address=form.address, source=CaseSource.hotline
        if client.channel is ClientChannel.hotline else CaseSource.other_system,
        answers=form.attributes)
    details = {"channel": client.channel.value, **form.person}
    if form.media_url:
        details["media_url"] = form.media_url
    link = ClientCase(case_id=filed.case.id, client_id=client.client_id,
                      token=secrets.token_hex(16), details=details)
    session.add(link)
    return filed.case.code, link
