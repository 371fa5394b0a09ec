"""Firebase Cloud Messaging through firebase-admin: one named app per process,
``send_each_for_multicast`` (registration tokens, or Firebase installation ids), the
collapse key and TTL on Android and APNs. Unregistered and sender-mismatch tokens are dead;
quota, unavailable and internal errors are tried again later."""

from __future__ import annotations

import warnings
from datetime import timedelta

import firebase_admin
import google.oauth2.credentials
from firebase_admin import credentials, exceptions, messaging

from grid_api.push.interface import Answer, Message, Outcome, Target
from grid_api.push.settings import ChannelConfig, Var
from grid_api.push.vendors import Channel

APP_NAME = "grid-api"
DEAD = (messaging.UnregisteredError, messaging.SenderIdMismatchError)
TRANSIENT = (messaging.QuotaExceededError, exceptions.UnavailableError,
             exceptions.InternalError, exceptions.DeadlineExceededError,
             exceptions.UnknownError)


class _StaticToken(credentials.Base):
    """A bearer token for an FCM-compatible endpoint that needs no Google sign-in (a local
    fake or emulator, FCM_ENDPOINT without FCM_CREDENTIALS_FILE)."""

    def get_credential(self):
        return google.oauth2.credentials.Credentials(token="local-endpoint")  # noqa: S106


def fcm_credential(config: ChannelConfig) -> credentials.Base | None:
    """The service-account file if given; a static token for a local FCM-compatible
    endpoint; otherwise None: firebase-admin then signs in with Google's application
    default credentials (the machine's service account on Google Cloud)."""
    if config.credentials_file:
        return credentials.Certificate(config.credentials_file)
    return _StaticToken() if config.endpoint else None


class FcmPush:
    name = "fcm"
    max_batch = 500  # send_each_for_multicast's limit

    def __init__(self, config: ChannelConfig, timeout: float) -> None:
        del timeout  # firebase-admin keeps its own
        try:
            self.app = firebase_admin.get_app(APP_NAME)
        except ValueError:
            self.app = firebase_admin.initialize_app(
                fcm_credential(config), {"projectId": config.project_id}, name=APP_NAME)
        if config.endpoint:
            # firebase-admin has no endpoint option; point its service at the given host.
            service = messaging._get_messaging_service(self.app)
            service._fcm_url = (
                f"{config.endpoint.rstrip('/')}/v1/projects/{config.project_id}/messages:send")

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        answers: dict[int, Answer] = {}
        for kind in ("token", "fid"):
            batch = [(n, target) for n, target in enumerate(targets) if target.kind == kind]
            if batch:
                sent = self._multicast(message, kind, [target.token for _, target in batch])
                answers.update(zip((n for n, _ in batch), sent, strict=True))
        return [answers[n] for n in range(len(targets))]

    def _multicast(self, message: Message, kind: str, tokens: list[str]) -> list[Answer]:
        targets = {"fids": tokens} if kind == "fid" else {"tokens": tokens}
        with warnings.catch_warnings():
            # Registration tokens are deprecated in favour of installation ids, but the apps
            # in the field still send them: both are supported.
            warnings.simplefilter("ignore", DeprecationWarning)
            multicast = messaging.MulticastMessage(
                **targets, data=message.data,
                notification=messaging.Notification(title=message.title, body=message.body),
                android=messaging.AndroidConfig(collapse_key=message.collapse_key,
                                                ttl=timedelta(seconds=message.ttl_seconds)),
                apns=messaging.APNSConfig(headers={"apns-collapse-id": message.collapse_key}))
        batch = messaging.send_each_for_multicast(multicast, app=self.app)
        return [_answer(response) for response in batch.responses]


def _answer(response: messaging.SendResponse) -> Answer:
    if response.success:
        return Answer(Outcome.delivered, message_id=response.message_id)
    error = response.exception
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, DEAD):
        return Answer(Outcome.dead, detail=detail)
    if isinstance(error, TRANSIENT):
        return Answer(Outcome.retry, detail=detail)
    return Answer(Outcome.invalid, detail=detail)


CHANNELS = (
    Channel("fcm", "Firebase Cloud Messaging", (
        Var("FCM_PROJECT_ID", "project_id"),
        Var("FCM_CREDENTIALS_FILE", "credentials_file", required=False),
        Var("FCM_ENDPOINT", "endpoint", required=False),
    ), FcmPush),
)
