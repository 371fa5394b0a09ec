"""Push delivery through Firebase Cloud Messaging (firebase-admin), or to the log.

One notification goes to each active device of its user once: a delivery record per
notification and device keeps a retry from pushing twice. Dead tokens are switched off;
quota and availability errors are retried later with backoff.
"""

from __future__ import annotations

import logging
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import firebase_admin
import google.oauth2.credentials
from firebase_admin import credentials, exceptions, messaging
from sqlalchemy import select
from sqlalchemy.orm import Session

from grid_api.notifications.inbox import render
from models.device import Device, PushDelivery
from models.notification import Notification
from tasks.context import job_app
from tasks.retry import RetryLater

log = logging.getLogger(__name__)
APP_NAME = "grid-api"
DEAD = (messaging.UnregisteredError, messaging.SenderIdMismatchError)
TRANSIENT = (messaging.QuotaExceededError, exceptions.UnavailableError,
             exceptions.InternalError, exceptions.DeadlineExceededError,
             exceptions.UnknownError)
MULTICAST_LIMIT = 500


@dataclass(frozen=True)
class Push:
    kind: str  # "token" (FCM registration tokens) or "fid" (Firebase installation ids)
    tokens: list[str]
    title: str
    body: str
    data: dict[str, str]
    collapse_key: str


@dataclass(frozen=True)
class Outcome:
    token: str
    message_id: str | None = None
    dead: bool = False
    transient: bool = False
    error: str | None = None


class Gateway(Protocol):
    def send(self, push: Push) -> list[Outcome]: ...


class LogGateway:
    """PUSH_BACKEND=log: the demo and development (no credentials needed)."""

    def send(self, push: Push) -> list[Outcome]:
        for token in push.tokens:
            log.info("push", extra={"token": token[-8:], "title": push.title, "data": push.data})
        return [Outcome(token, message_id=f"log:{push.data['notification_id']}")
                for token in push.tokens]


class _StaticToken(credentials.Base):
    """A bearer token for an FCM-compatible endpoint that needs no Google sign-in (a local
    fake or emulator, FCM_ENDPOINT without FCM_CREDENTIALS_FILE)."""

    def get_credential(self):
        return google.oauth2.credentials.Credentials(token="local-endpoint")  # noqa: S106


def fcm_credential(settings: Any) -> credentials.Base | None:
    """The service-account file if given; a static token for a local FCM-compatible
    endpoint; otherwise None: firebase-admin then signs in with Google's application
    default credentials (the machine's service account on Google Cloud)."""
    if settings.fcm_credentials_file:
        return credentials.Certificate(settings.fcm_credentials_file)
    return _StaticToken() if settings.fcm_endpoint else None


class FcmGateway:
    """PUSH_BACKEND=fcm: one named firebase-admin app per process."""

    def __init__(self, settings: Any) -> None:
        self.ttl = timedelta(seconds=settings.push_ttl_seconds)
        try:
            self.app = firebase_admin.get_app(APP_NAME)
        except ValueError:
            self.app = firebase_admin.initialize_app(
                fcm_credential(settings), {"projectId": settings.fcm_project_id},
                name=APP_NAME)
        if settings.fcm_endpoint:
            # firebase-admin has no endpoint option; point its service at the given host.
            service = messaging._get_messaging_service(self.app)
            service._fcm_url = (
                f"{settings.fcm_endpoint.rstrip('/')}/v1/projects/"
                f"{settings.fcm_project_id}/messages:send")

    def send(self, push: Push) -> list[Outcome]:
        targets = {"fids": push.tokens} if push.kind == "fid" else {"tokens": push.tokens}
        with warnings.catch_warnings():
            # Registration tokens are deprecated in favour of installation ids, but the apps
            # in the field still send them: both are supported.
            warnings.simplefilter("ignore", DeprecationWarning)
            message = messaging.MulticastMessage(
                **targets, data=push.data,
                notification=messaging.Notification(title=push.title, body=push.body),
                android=messaging.AndroidConfig(collapse_key=push.collapse_key, ttl=self.ttl),
                apns=messaging.APNSConfig(headers={"apns-collapse-id": push.collapse_key}))
        batch = messaging.send_each_for_multicast(message, app=self.app)
        return [self._outcome(token, response)
                for token, response in zip(push.tokens, batch.responses, strict=True)]

    @staticmethod
    def _outcome(token: str, response: messaging.SendResponse) -> Outcome:
        if response.success:
            return Outcome(token, message_id=response.message_id)
        error = response.exception
        return Outcome(token, dead=isinstance(error, DEAD),
                       transient=isinstance(error, TRANSIENT),
                       error=f"{type(error).__name__}: {error}")


_gateway: Gateway | None = None


def gateway() -> Gateway:
    global _gateway  # noqa: PLW0603 - one per process, like the firebase-admin app
    if _gateway is None:
        settings = job_app().config["GRID_SETTINGS"]
        _gateway = FcmGateway(settings) if settings.push_backend == "fcm" else LogGateway()
    return _gateway


def use_gateway(replacement: Gateway | None) -> None:
    global _gateway  # noqa: PLW0603
    _gateway = replacement


def _pushes(message: Notification, devices: list[Device]) -> list[Push]:
    settings = job_app().config["GRID_SETTINGS"]
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for device in devices:
        groups[(device.locale, device.kind)].append(device.token)
    data = {"notification_id": str(message.id), "kind": message.kind,
            "case_id": str(message.case_id or ""),
            "link": f"{settings.app_link_prefix}{message.case_id}" if message.case_id else ""}
    collapse_key = f"case-{message.case_id or message.id}"
    pushes = []
    for (locale, kind), tokens in sorted(groups.items()):
        text = render(message, locale)
        pushes.extend(Push(kind, tokens[start:start + MULTICAST_LIMIT], text["title"],
                           text["body"], data, collapse_key)
                      for start in range(0, len(tokens), MULTICAST_LIMIT))
    return pushes


def deliver_notifications(session: Session, *, notification_ids: list[int],
                          **_: Any) -> None:
    """Outbox topic ``push.notification``. Raises RetryLater when FCM was busy for some
    devices (those delivered to are recorded and not pushed again)."""
    busy = []
    for notification_id in notification_ids:
        busy += deliver_notification(session, notification_id)
    if busy:
        raise RetryLater(f"{len(busy)} device(s) busy: {busy[0]}")


def deliver_notification(session: Session, notification_id: int) -> list[str]:
    """Push one notification to its user's devices not yet served; returns the errors of
    devices to try again later."""
    message = session.get(Notification, notification_id)
    if message is None:
        return []
    done = select(PushDelivery.device_id).where(PushDelivery.notification_id == message.id)
    devices = list(session.execute(select(Device).where(
        Device.user_id == message.user_id, Device.active, Device.id.not_in(done))).scalars())
    if not devices:
        return []
    by_token = {device.token: device for device in devices}
    busy = []
    for push in _pushes(message, devices):
        for outcome in gateway().send(push):
            device = by_token[outcome.token]
            if outcome.transient:
                busy.append(outcome.error)
                continue
            if outcome.dead:
                device.active = False
            status = "sent" if outcome.message_id else ("dead_token" if outcome.dead
                                                        else "failed")
            session.add(PushDelivery(notification_id=message.id, device_id=device.id,
                                     status=status, message_id=outcome.message_id))
    return busy
