"""12345 hotline work orders (工单): filed as cases of the hotline's client, once per order
number — a resent order is the same case — with the hotline's own fields kept beside it.

Field mapping (README, 12345 work orders): ``order_number`` → the client's external number
(shown on the case), ``description`` → the case description, ``location`` (+ ``crs``) →
the case location, ``address`` → address, ``category`` → the minor class (the deployment's
``WORKORDER_DEFAULT_CATEGORY`` when the hotline does not know it), ``caller`` and
``deadline`` (the hotline's own time limit) → kept with the order for staff.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.crs import to_wgs84
from grid_api.cases import filing
from grid_api.cases.settings import CaseSettings
from grid_api.errors import ValidationFailed
from grid_api.identity.principal import Principal
from grid_api.integrations.clients import ClientIdentity
from models.case import Case, CaseSource
from models.integration import ClientCase
from models.user import Role


@dataclass(frozen=True)
class WorkOrder:
    order_number: str
    description: str
    lon: float
    lat: float
    crs: str
    address: str | None = None
    category: str | None = None
    caller: dict[str, str] | None = None
    deadline: datetime | None = None
    received_at: datetime | None = None
    answers: dict[str, Any] | None = None  # to the category's questions


@dataclass(frozen=True)
class Intake:
    case: Case
    link: ClientCase
    created: bool  # False: the order was sent before, and this is its case


def _existing(session: Session, client_id: int, number: str) -> Intake | None:
    row = session.execute(select(ClientCase, Case).join(Case, Case.id == ClientCase.case_id)
                          .where(ClientCase.client_id == client_id,
                                 ClientCase.external_number == number)).one_or_none()
    return None if row is None else Intake(row.Case, row.ClientCase, created=False)


def take_order(session: Session, client: ClientIdentity, settings: CaseSettings,
               order: WorkOrder, *, default_category: str | None) -> Intake:
    """File the order as the client's case, or find the case it already is.

    Concurrent sends of one order are serialised on a transaction-level advisory lock of
    (client, order number), so exactly one files it. Raises ValidationFailed (no or an
    unknown category, answers wrong or missing), BusinessRuleViolation (outside_service_area).
    """
    session.execute(select(func.pg_advisory_xact_lock(
        func.hashtextextended(f"workorder:{client.client_id}:{order.order_number}", 0))))
    found = _existing(session, client.client_id, order.order_number)
    if found is not None:
        return found
    category = order.category or default_category
    if not category:
        raise ValidationFailed(errors={"category": ["Missing data for required field."]})
    lon, lat = to_wgs84(order.lon, order.lat, order.crs)
    account = Principal(user_id=client.account_id, roles=frozenset({Role.resident}))
    filed = filing.report_case(session, account, settings, category=category,
                               description=order.description, lon=lon, lat=lat,
                               crs=order.crs, address=order.address,
                               source=CaseSource.hotline,  # 12345 work orders
                               answers=order.answers)
    details: dict[str, Any] = {"channel": client.channel.value}
    if order.caller:
        details["caller"] = order.caller
    for name in ("deadline", "received_at"):
        if (moment := getattr(order, name)) is not None:
            details[name] = moment.isoformat()
    link = ClientCase(case_id=filed.case.id, client_id=client.client_id,
                      external_number=order.order_number, token=secrets.token_hex(16),
                      details=details)
    session.add(link)
    session.flush()  # the link is what a resend finds
    return Intake(filed.case, link, created=True)
