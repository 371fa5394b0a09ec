"""Pushing one notification to its user's phones: each phone once, through the channel it
prefers among those it holds a live token for, and through its next token when that
channel calls the token dead, is busy, is out of quota or refuses the message.

A push cannot be taken back, so the record of it is written before it leaves and committed
on its own (``sending``), then settled (``sent``, ``dead_token``, ``failed``) or removed
(the channel said "later"). A worker that dies in between leaves ``sending``: that phone is
not pushed again for this notification (at most once; the inbox still has the message).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.push import metrics, quota
from grid_api.push.channels import Channels
from grid_api.push.interface import Answer, Message, Outcome, Target
from models.device import Device, PushDelivery
from models.notification import Notification

log = logging.getLogger(__name__)
SERVED = ("sending", "sent")


@dataclass(frozen=True)
class Context:
    channels: Channels
    redis: Redis
    new_session: Callable[[], Session]  # the ledger commits apart from the job's session
    render: Callable[[Notification, str], dict[str, Any]]  # title and body in a language


@dataclass(frozen=True)
class Waiting:
    """Phones no channel could take now; try again after ``after`` seconds (None: the
    usual backoff)."""

    phones: int
    after: float | None
    detail: str


def deliver(context: Context, notification_id: int) -> Waiting | None:
    """Push one notification to every phone of its user not served yet."""
    with context.new_session() as ledger:
        message = ledger.get(Notification, notification_id)
        if message is None:
            return None
        phones = _phones(ledger, message, context.channels)
        waits: dict[str, tuple[float | None, str]] = {}
        for _ in range(len(context.channels.order) + 1):  # at most one round per channel
            picks = _pick(phones, quota.stopped(context.redis, context.channels.order), waits)
            if not picks:
                break
            rows = _claim(ledger, message, picks)
            answers = _send(context, message, picks)
            _settle(ledger, context.redis, picks=picks, rows=rows, answers=answers,
                    phones=phones, waits=waits)
    return _waiting(waits)


def _phones(ledger: Session, message: Notification,
            channels: Channels) -> dict[str, list[Device]]:
    """Each phone not served yet with its untried live tokens, the preferred first."""
    devices = ledger.execute(select(Device).where(
        Device.user_id == message.user_id, Device.active)).scalars().all()
    rows = ledger.execute(select(PushDelivery.device_id, PushDelivery.phone_key,
                                 PushDelivery.status)
                          .where(PushDelivery.notification_id == message.id)).all()
    tried = {row.device_id for row in rows}
    served = {row.phone_key for row in rows if row.status in SERVED}
    phones: dict[str, list[Device]] = defaultdict(list)
    for device in devices:
        if (channels.rank(device.provider) is not None and device.id not in tried
                and device.phone_key not in served):
            phones[device.phone_key].append(device)
    for candidates in phones.values():
        candidates.sort(key=lambda device: (channels.rank(device.provider),
                                            -device.updated_at.timestamp()))
    return dict(phones)


def _pick(phones: dict[str, list[Device]], stopped: dict[str, datetime],
          waits: dict[str, tuple[float | None, str]]) -> dict[str, Device]:
    """The token each phone is pushed through this round (none while all its channels are
    out of quota)."""
    picks = {}
    for key, candidates in phones.items():
        usable = [device for device in candidates if device.provider not in stopped]
        if usable:
            picks[key] = usable[0]
        elif key not in waits:
            until = min(stopped[device.provider] for device in candidates)
            waits[key] = ((until - datetime.now(UTC)).total_seconds(), "quota spent")
    return picks


def _claim(ledger: Session, message: Notification,
           picks: dict[str, Device]) -> dict[int, PushDelivery]:
    rows = {device.id: PushDelivery(notification_id=message.id, device_id=device.id,
                                    provider=device.provider, phone_key=key, status="sending")
            for key, device in picks.items()}
    ledger.add_all(rows.values())
    ledger.commit()  # durable before anything leaves: see the module's docstring
    return rows


def _send(context: Context, message: Notification,
          picks: dict[str, Device]) -> dict[int, Answer]:
    """Every picked device's answer, in as few requests per channel as its batches allow."""
    groups: dict[tuple[str, str], list[Device]] = defaultdict(list)
    for device in picks.values():
        groups[(device.provider, device.locale)].append(device)
    answers: dict[int, Answer] = {}
    for (provider_name, locale), devices in sorted(groups.items()):
        provider = context.channels.get(provider_name)
        rendered = _message(context, message, locale)
        for start in range(0, len(devices), provider.max_batch):
            batch = devices[start:start + provider.max_batch]
            began = time.perf_counter()
            sent = provider.send(rendered, [Target(device.token, device.kind)
                                            for device in batch])
            metrics.record(context.redis, provider_name, sent, time.perf_counter() - began)
            answers.update(zip((device.id for device in batch), sent, strict=True))
    return answers


def _message(context: Context, message: Notification, locale: str) -> Message:
    settings = context.channels.settings
    text = context.render(message, locale)
    link = f"{settings.link_prefix}{message.case_id}" if message.case_id else ""
    return Message(
        notification_id=message.id, title=text["title"], body=text["body"], link=link,
        collapse_key=f"case-{message.case_id or message.id}",
        ttl_seconds=settings.ttl_seconds,
        data={"notification_id": str(message.id), "kind": message.kind,
              "case_id": str(message.case_id or ""), "link": link})


def _settle(ledger: Session, redis: Redis, *, picks: dict[str, Device],
            rows: dict[int, PushDelivery], answers: dict[int, Answer],
            phones: dict[str, list[Device]], waits: dict[str, tuple[float | None, str]]) -> None:
    """Record each answer; a phone left without a pick falls back to its next token."""
    for key, device in picks.items():
        answer, row = answers[device.id], rows[device.id]
        if answer.outcome is Outcome.delivered:
            row.status, row.message_id = "sent", (answer.message_id or "")[:200] or None
            del phones[key]
            waits.pop(key, None)
            continue
        phones[key].remove(device)
        if answer.outcome is Outcome.dead:
            row.status, device.active = "dead_token", False
        elif answer.outcome is Outcome.invalid:
            row.status = "failed"
            log.error("push refused by %s", device.provider, extra={"detail": answer.detail})
        else:
            ledger.delete(row)  # not sent: free to be tried again
            wait = answer.retry_after
            if answer.outcome is Outcome.quota and answer.reset_at:
                wait = (answer.reset_at - datetime.now(UTC)).total_seconds()
                if quota.stop(redis, device.provider, answer.reset_at):
                    metrics.quota_stop(redis, device.provider)
                    log.warning("push channel %s out of quota until %s", device.provider,
                                answer.reset_at.isoformat())
            waits[key] = _sooner(waits.get(key), (wait, answer.detail))
        if not phones[key]:
            del phones[key]
    ledger.commit()


def _sooner(known: tuple[float | None, str] | None,
            new: tuple[float | None, str]) -> tuple[float | None, str]:
    if known is None or known[0] is None:
        return known or new
    return new if new[0] is None or new[0] < known[0] else known


def _waiting(waits: dict[str, tuple[float | None, str]]) -> Waiting | None:
    if not waits:
        return None
    hints = [wait for wait, _ in waits.values()]
    after = None if None in hints else max(0.0, min(hints))  # type: ignore[type-var]
    return Waiting(phones=len(waits), after=after, detail=next(iter(waits.values()))[1])
