"""Devices that receive pushes: registered by the apps, one token one owner."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from grid_api.errors import NotFound
from models.device import Device


def register_device(session: Session, user_id: int, *, token: str, platform: str,
                    locale: str, app_version: str | None, kind: str = "token",
                    provider: str = "fcm", phone_id: str | None = None) -> tuple[Device, bool]:
    """Upsert by token; a token signed in as another user moves to that user. Tokens
    sent with the same ``phone_id`` are one phone's (one push per notification).

    Returns (device, created)."""
    # Insert-or-nothing first: two registrations of one new token (an app retrying on a bad
    # network) must not both insert; the loser updates the winner's row.
    created = session.execute(
        pg_insert(Device).values(token=token, user_id=user_id, kind=kind, platform=platform,
                                 locale=locale, provider=provider, phone_id=phone_id)
        .on_conflict_do_nothing(index_elements=[Device.token]).returning(Device.id)
    ).scalar() is not None
    device = session.execute(select(Device).where(Device.token == token).with_for_update()
                             .execution_options(populate_existing=True)).scalar_one()
    device.user_id, device.kind, device.platform = user_id, kind, platform
    device.locale, device.provider, device.phone_id = locale, provider, phone_id
    device.app_version, device.active = app_version, True
    device.updated_at = datetime.now(UTC)
    session.flush()  # the id is in the answer
    return device, created


def remove_device(session: Session, user_id: int, token: str) -> None:
    """Raises NotFound (also for a token of someone else)."""
    device = session.execute(select(Device).where(Device.token == token)).scalar_one_or_none()
    if device is None or device.user_id != user_id:
        raise NotFound
    session.delete(device)
