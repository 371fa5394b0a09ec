"""How well each channel reaches the phones: delivery rate per channel and app version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.device import Device, PushDelivery

FINAL = ("sent", "dead_token", "failed")


def delivery_rates(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Per channel and app version: devices registered and live, pushes since ``since`` and
    their outcomes; the rate is delivered over settled pushes (``sending`` is unsettled)."""
    status = PushDelivery.status
    pushes = session.execute(
        select(PushDelivery.provider, Device.app_version,
               func.count().filter(status == "sent"),
               func.count().filter(status == "dead_token"),
               func.count().filter(status == "failed"),
               func.count().filter(status == "sending"))
        .join(Device, Device.id == PushDelivery.device_id)
        .where(PushDelivery.created_at >= since)
        .group_by(PushDelivery.provider, Device.app_version)).all()
    devices = session.execute(
        select(Device.provider, Device.app_version, func.count(),
               func.count().filter(Device.active))
        .group_by(Device.provider, Device.app_version)).all()
    rows: dict[tuple[str, str | None], dict[str, Any]] = {}
    for provider, version, registered, live in devices:
        rows[(provider, version)] = _row(provider, version) | {
            "devices": registered, "live_devices": live}
    for provider, version, sent, dead, failed, unsettled in pushes:
        row = rows.setdefault((provider, version), _row(provider, version))
        row |= {"delivered": sent, "dead_tokens": dead, "refused": failed,
                "unsettled": unsettled}
        settled = sent + dead + failed
        row["delivery_rate"] = round(sent / settled, 4) if settled else None
    return sorted(rows.values(), key=lambda row: (row["provider"], row["app_version"] or ""))


def _row(provider: str, version: str | None) -> dict[str, Any]:
    return {"provider": provider, "app_version": version, "devices": 0, "live_devices": 0,
            "delivered": 0, "dead_tokens": 0, "refused": 0, "unsettled": 0,
            "delivery_rate": None}
