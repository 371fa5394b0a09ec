"""PUSH_BACKEND=log: every channel writes its pushes to the log (the demo, development)."""

from __future__ import annotations

import logging

from grid_api.push.interface import Answer, Message, Outcome, Target

log = logging.getLogger(__name__)


class LogPush:
    max_batch = 1000

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: Message, targets: list[Target]) -> list[Answer]:
        for target in targets:
            log.info("push", extra={"provider": self.name, "token": target.token[-8:],
                                    "title": message.title, "data": message.data})
        return [Answer(Outcome.delivered, message_id=f"log:{message.notification_id}")
                for _ in targets]
