"""Jobs of the residents feature: telling watchers of a case, the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from grid_api.residents import watching
from tasks.context import job_app, job_session


def watch_fan_out(session: Session, *, case_id: int, kind: str, **_: Any) -> None:
    """Outbox topic ``residents.watch_fan_out``; idempotent (a watcher hears once)."""
    watching.fan_out(session, case_id, kind)


def watch_digest(now: datetime | None = None) -> int:
    """Periodic: send the daily digests that are due; returns how many were sent."""
    settings = job_app().config["GRID_SETTINGS"]
    cutoff = watching.digest_cutoff(now or datetime.now(UTC), settings.timezone,
                                    settings.watch_digest_hour)
    with job_session("watch-digest") as session:
        return watching.send_digests(session, cutoff)
