"""Webhooks after the Standard Webhooks specification: endpoints, the fan-out of case events
to them, signed attempts with retries over hours, the dead-letter list, replay, and
disabling an endpoint that has failed for days.

Every message keeps one ``webhook-id`` (``message_id``) through all its attempts and any
replay, so a receiver deduplicates on it; the signature is the specification's HMAC-SHA256
over ``id.timestamp.body`` made by the ``standardwebhooks`` library.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from grid_api.errors import NotFound, ValidationFailed
from grid_api.infra import outbox
from grid_api.integrations import merging
from grid_api.integrations.targets import ForbiddenTarget, Refusal, TargetPolicy
from grid_api.notifications.inbox import notify
from models.area import Area
from models.case import Case, CaseEvent
from models.category import Category
from models.integration import (
    CaseMerge,
    ClientCase,
    DeliveryStatus,
    IntegrationClient,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from models.outbox import Topic
from models.outcome import CaseOutcome
from models.unit import Unit
from models.user import Role, User

PAYLOAD_VERSION = 1
# After the first attempt: the Standard Webhooks example schedule, about 28 hours in all.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=5), timedelta(hours=10),
                timedelta(hours=10))
# Per-field messages (web/i18n.py has them in Chinese).
TARGET_MESSAGES = {
    Refusal.metadata: "Webhooks may not go to a cloud metadata address.",
    Refusal.loopback: "Webhooks may not go to a loopback address.",
    Refusal.link_local: "Webhooks may not go to a link-local address.",
    Refusal.reserved: "Webhooks may not go to a reserved or multicast address.",
    Refusal.private: "Webhooks may not go to a private address here.",
}
DISABLE_AFTER = timedelta(days=5)  # an endpoint failing this long is switched off
DUE_BATCH = 200
LEASE = timedelta(minutes=10)  # a due retry handed to the queue is not handed again before

T = WebhookEventType
# A step's event types, most specific first; workorder.* only for the client's own cases.
ACTION_TYPES = {"report": (T.case_created,),
                "register": (T.case_registered, T.workorder_accepted),
                "reject": (T.workorder_returned,),
                "dispatch": (T.case_dispatched,), "reassign": (T.case_dispatched,),
                "resolve": (T.case_resolved,), "close": (T.case_closed, T.workorder_closed),
                "reopen": (T.case_reopened,), "dispute": (T.case_reopened,),
                "comment": (T.case_commented, T.workorder_replied)}
OWN_ONLY = frozenset({T.workorder_accepted, T.workorder_replied, T.workorder_closed,
                      T.workorder_returned})


@dataclass(frozen=True)
class Attempt:
    """What the receiver answered: an HTTP status, or why there was none."""

    status: int | None
    error: str | None = None
    refused: bool = False  # the target is an address webhooks may not go to: no retries

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300  # noqa: PLR2004


Sender = Callable[[str, dict[str, str], bytes], Attempt]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# --- endpoints ------------------------------------------------------------------------

def _check_target(targets: TargetPolicy, url: str) -> None:
    try:
        targets.check_url(url)
    except ForbiddenTarget as exc:
        raise ValidationFailed("webhook_target_forbidden", errors={
            "url": [TARGET_MESSAGES[exc.refusal]]}) from exc


def create_endpoint(session: Session, client_id: int, *, url: str, event_types: list[str],
                    targets: TargetPolicy, area_id: int | None = None) -> WebhookEndpoint:
    """Raises NotFound (no such client), ValidationFailed (no such area, or a URL
    ``targets`` refuses)."""
    client = session.get(IntegrationClient, client_id)
    if client is None:
        raise NotFound
    _check_target(targets, url)
    area_path = None
    if area_id is not None:
        area_path = session.execute(select(Area.path).where(Area.id == area_id)).scalar()
        if area_path is None:
            raise ValidationFailed(errors={"area_id": ["No such area."]})
    endpoint = WebhookEndpoint(client_id=client.id, url=url, secret=new_secret(),
                               event_types=sorted(set(event_types)), area_id=area_id,
                               area_path=area_path)
    session.add(endpoint)
    session.flush()  # its id, for the answer
    return endpoint


def get_endpoint(session: Session, client_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.execute(select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.client_id == client_id)
    ).scalar_one_or_none()
    if endpoint is None:
        raise NotFound
    return endpoint


def endpoints_of(session: Session, client_id: int) -> list[WebhookEndpoint]:
    return list(session.execute(select(WebhookEndpoint).where(
        WebhookEndpoint.client_id == client_id).order_by(WebhookEndpoint.id)).scalars())


def update_endpoint(session: Session, client_id: int, endpoint_id: int, *,
                    targets: TargetPolicy, enabled: bool | None = None,
                    **changes: Any) -> WebhookEndpoint:
    """Change the URL or events; ``enabled`` switches it back on (or off by hand).
    Raises NotFound, ValidationFailed (a URL ``targets`` refuses)."""
    endpoint = get_endpoint(session, client_id, endpoint_id)
    if "url" in changes:
        _check_target(targets, changes["url"])
    if "event_types" in changes:
        changes["event_types"] = sorted(set(changes["event_types"]))
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if enabled is True and endpoint.disabled_at is not None:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, None, None
        resume_endpoint(session, endpoint.id)
    elif enabled is False and endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_reason = datetime.now(UTC), "by_hand"
    return endpoint


def delete_endpoint(session: Session, client_id: int, endpoint_id: int) -> None:
    session.delete(get_endpoint(session, client_id, endpoint_id))


def deliveries_query(endpoint_id: int, status: DeliveryStatus | None) -> Select:
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    return query if status is None else query.where(WebhookDelivery.status == status)


def replay(session: Session, client_id: int, endpoint_id: int, delivery_id: int,
           now: datetime | None = None) -> WebhookDelivery:
    """Send a message again, under its own webhook-id, as soon as a worker takes it.
    Raises NotFound."""
    get_endpoint(session, client_id, endpoint_id)
    delivery = session.execute(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
        .with_for_update()).scalar_one_or_none()
    if delivery is None:
        raise NotFound
    delivery.status = DeliveryStatus.pending
    delivery.next_attempt_at = now or datetime.now(UTC)
    outbox.add(session, Topic.webhook_deliver, delivery_id=delivery.id)
    return delivery


# --- fan-out -------------------------------------------------------------------------

def _event_types(event: CaseEvent, reporter_id: int) -> tuple[WebhookEventType, ...]:
    if event.action == "comment" and event.actor_id == reporter_id:
        return ()  # the reporter's own words: only staff comments are news
    return ACTION_TYPES.get(event.action, ())


def _matching_endpoints(session: Session, case: Case) -> list[WebhookEndpoint]:
    filed_by = select(ClientCase.client_id).where(ClientCase.case_id == case.id)
    return list(session.execute(
        select(WebhookEndpoint)
        .join(IntegrationClient, IntegrationClient.id == WebhookEndpoint.client_id)
        .where(WebhookEndpoint.disabled_at.is_(None), IntegrationClient.revoked_at.is_(None),
               (WebhookEndpoint.area_path.is_(None) & WebhookEndpoint.client_id.in_(filed_by))
               | (WebhookEndpoint.area_path.is_not(None)
                  & literal(case.area_path).startswith(WebhookEndpoint.area_path)))
        .order_by(WebhookEndpoint.id)).scalars())


def _chosen_type(endpoint: WebhookEndpoint, candidates: tuple[WebhookEventType, ...],
                 event: CaseEvent, filer_id: int | None) -> WebhookEventType | None:
    for candidate in candidates:
        own = filer_id == endpoint.client_id
        if candidate.value in endpoint.event_types and (own or candidate not in OWN_ONLY):
            return candidate
    moved = event.from_status is not None and event.from_status != event.to_status
    if moved and T.case_status_changed.value in endpoint.event_types:
        return T.case_status_changed
    return None


def fan_out(session: Session, event_id: int) -> list[int]:
    """One delivery per listening endpoint for a case event (idempotent: a second run adds
    nothing); returns the new deliveries' ids, each queued for its first attempt. A closing
    master case also tells the clients that filed its followers."""
    event = session.get(CaseEvent, event_id)
    if event is None or event.internal:
        return []
    case = session.get(Case, event.case_id)
    merged = session.get(CaseMerge, case.id) if event.action == "reject" else None
    candidates = (T.case_merged,) if merged else _event_types(event, case.reporter_id)
    created = [_deliver(session, endpoint, case, event, candidates)
               for endpoint in _matching_endpoints(session, case)]
    if event.action == "close":
        created += _tell_follower_clients(session, case, event)
    return [delivery_id for delivery_id in created if delivery_id is not None]


def _filer(session: Session, case_id: int) -> int | None:
    return session.execute(select(ClientCase.client_id).where(
        ClientCase.case_id == case_id)).scalar()


def _deliver(session: Session, endpoint: WebhookEndpoint, case: Case, event: CaseEvent,
             candidates: tuple[WebhookEventType, ...], *,
             master: Case | None = None) -> int | None:
    chosen = _chosen_type(endpoint, candidates, event, _filer(session, case.id))
    if chosen is None:
        return None
    payload = build_payload(session, case, event, chosen, endpoint.client_id, master=master)
    delivery_id = session.execute(
        insert(WebhookDelivery).values(
            endpoint_id=endpoint.id, case_event_id=event.id, case_id=case.id,
            event_type=chosen.value, message_id="msg_" + secrets.token_hex(16),
            payload=payload, next_attempt_at=func.now())
        .on_conflict_do_nothing(constraint="uq_webhook_deliveries_endpoint_event_case")
        .returning(WebhookDelivery.id)).scalar()
    if delivery_id is not None:
        outbox.add(session, Topic.webhook_deliver, delivery_id=delivery_id)
    return delivery_id


def _tell_follower_clients(session: Session, master: Case, event: CaseEvent) -> list[int | None]:
    """The master's closing, told to the clients that filed its followers, about theirs."""
    sent = []
    for follower_id in merging.followers_of(session, master.id):
        filer = _filer(session, follower_id)
        if filer is None:
            continue
        follower = session.get(Case, follower_id)
        endpoints = session.execute(select(WebhookEndpoint).where(
            WebhookEndpoint.client_id == filer, WebhookEndpoint.area_path.is_(None),
            WebhookEndpoint.disabled_at.is_(None))).scalars()
        sent += [_deliver(session, endpoint, follower, event,
                          (T.case_closed, T.workorder_closed), master=master)
                 for endpoint in endpoints]
    return sent


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


PUBLIC_NOTE_ACTIONS = frozenset({"comment", "resolve", "close", "reject", "return", "reopen"})


def build_payload(session: Session, case: Case, event: CaseEvent, event_type: WebhookEventType,
                  client_id: int, *, master: Case | None = None) -> dict[str, Any]:
    """The message body (version 1, documented in README): the case as the public sees it,
    plus, for the client that filed it, its own number and the step's note."""
    row = session.execute(
        select(func.ST_X(Case.location).label("lon"), func.ST_Y(Case.location).label("lat"),
               Category.code.label("category"), Area.code.label("grid_code"),
               Area.name.label("grid_name"), Unit.code.label("unit_code"),
               Unit.name.label("unit_name"))
        .join(Category, Category.id == Case.category_id).join(Area, Area.id == Case.grid_id)
        .outerjoin(Unit, Unit.id == Case.unit_id).where(Case.id == case.id)).one()
    link = session.execute(select(ClientCase.client_id, ClientCase.external_number).where(
        ClientCase.case_id == case.id)).one_or_none()
    own = link is not None and link.client_id == client_id
    data = {
        "case": {
            "id": case.id, "code": case.code, "status": case.status.value,
            "category": row.category, "description": case.description,
            "location": {"type": "Point", "coordinates": [row.lon, row.lat]},
            "address": case.address,
            "grid": {"code": row.grid_code, "name": row.grid_name},
            "unit": {"code": row.unit_code, "name": row.unit_name}
            if row.unit_code else None,
            "deadlines": {"register": _iso(case.register_deadline),
                          "handle": _iso(case.handle_deadline),
                          "verify": _iso(case.verify_deadline)},
            "filed_by_you": own,
            "external_number": link.external_number if own else None,
        },
        "event": {
            "id": event.id, "seq": event.seq, "action": event.action,
            "from_status": event.from_status, "to_status": event.to_status,
            "reason": event.reason, "at": _iso(event.created_at),
            "note": event.note if own and event.action in PUBLIC_NOTE_ACTIONS else None,
        },
    }
    merged_into = master or _master_of(session, case)
    if merged_into is not None:
        data["master"] = {"id": merged_into.id, "code": merged_into.code,
                          "status": merged_into.status.value}
    if event_type in OWN_ONLY:
        data["workorder"] = _workorder_part(session, case, event, event_type, link,
                                            handled=master or case)
    return {"type": event_type.value, "timestamp": _iso(event.created_at),
            "version": PAYLOAD_VERSION, "data": data}


def _master_of(session: Session, case: Case) -> Case | None:
    merge = session.get(CaseMerge, case.id)
    return session.get(Case, merge.master_id) if merge is not None else None


def _workorder_part(session: Session, case: Case, event: CaseEvent,
                    event_type: WebhookEventType, link: Any, *, handled: Case
                    ) -> dict[str, Any]:
    """What the hotline's loop needs: 签收, 回复 (the reply), 办结 (the result), 退单 (why)."""
    part: dict[str, Any] = {"order_number": link.external_number, "case_code": case.code,
                            "at": _iso(event.created_at)}
    if event_type is T.workorder_replied:
        part["reply"] = event.note
    elif event_type is T.workorder_closed:
        part["result"] = session.execute(
            select(CaseEvent.note).where(CaseEvent.case_id == handled.id,
                                         CaseEvent.action == "resolve")
            .order_by(CaseEvent.seq.desc()).limit(1)).scalar()
    elif event_type is T.workorder_returned:
        part["reason"] = event.reason
        part["note"] = event.note
        # Not ours: whose it is, as the decision stated it (cases.outcomes).
        part["responsible_body"] = session.execute(
            select(CaseOutcome.responsible_body).where(CaseOutcome.case_id == case.id)
            .order_by(CaseOutcome.id.desc()).limit(1)).scalar()
    return part


# --- attempts ------------------------------------------------------------------------

def signed_request(endpoint: WebhookEndpoint, delivery: WebhookDelivery,
                   now: datetime) -> tuple[dict[str, str], bytes]:
    """The Standard Webhooks headers and body of one attempt."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    signature = Webhook(endpoint.secret).sign(delivery.message_id, now, body)
    return {"webhook-id": delivery.message_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature, "content-type": "application/json",
            "user-agent": "grid-api-webhooks/1"}, body.encode()


def attempt(session: Session, delivery_id: int, send: Sender,
            now: datetime | None = None) -> str:
    """Try one delivery now. Returns ``delivered``, ``retry``, ``dead`` (retries used up,
    or the sender refused the target's address: ``last_error`` says why) or ``skipped``
    (already delivered, dead, taken by another worker, or its endpoint is off)."""
    delivery = session.execute(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.pending)
        .with_for_update(skip_locked=True)).scalar_one_or_none()
    if delivery is None:
        return "skipped"
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint.disabled_at is not None:
        delivery.next_attempt_at = None  # waits for the endpoint to be switched back on
        return "skipped"
    now = now or datetime.now(UTC)
    headers, body = signed_request(endpoint, delivery, now)
    result = send(endpoint.url, headers, body)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status = now, result.status
    delivery.last_error = None if result.ok else (result.error or f"HTTP {result.status}")[:500]
    if result.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.delivered, now, None)
        endpoint.failing_since = None
        return "delivered"
    endpoint.failing_since = endpoint.failing_since or now
    if now - endpoint.failing_since >= DISABLE_AFTER:
        _disable(session, endpoint, now)
    if result.refused or delivery.attempts > len(RETRY_DELAYS):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.dead, None
        return "dead"
    delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    return "retry"


def _disable(session: Session, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Switch off an endpoint failing for days and tell its client's owner (or the admins)."""
    endpoint.disabled_at, endpoint.disabled_reason = now, "failing"
    client = session.get(IntegrationClient, endpoint.client_id)
    people = [client.owner_id] if client.owner_id else list(session.execute(
        select(User.id).where(literal(Role.admin.value) == func.any(User.roles),
                              User.disabled_at.is_(None))).scalars())
    notify(session, people, kind="webhook_disabled", client=client.name, url=endpoint.url,
           days=DISABLE_AFTER.days)


def queue_due(session: Session, now: datetime | None = None) -> int:
    """Hand the deliveries whose retry is due to the queue (each once per lease);
    returns how many."""
    now = now or datetime.now(UTC)
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.pending,
        WebhookDelivery.next_attempt_at <= now).order_by(WebhookDelivery.next_attempt_at
                                                         ).limit(DUE_BATCH).with_for_update(
        skip_locked=True)
    ids = list(session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + LEASE).returning(WebhookDelivery.id)).scalars())
    outbox.add_many(session, Topic.webhook_deliver, [{"delivery_id": i} for i in ids])
    return len(ids)


def resume_endpoint(session: Session, endpoint_id: int, now: datetime | None = None) -> int:
    """After an endpoint is switched back on: its waiting deliveries become due now."""
    return session.execute(
        update(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id,
                                      WebhookDelivery.status == DeliveryStatus.pending)
        .values(next_attempt_at=now or datetime.now(UTC))).rowcount

