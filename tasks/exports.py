"""The export job: write the file an asker wants, outside any request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from grid_api.evaluation import exports
from grid_api.infra.storage import LocalStorage
from tasks.context import job_app


def run_export(session: Session, *, export_id: int, **_: Any) -> None:
    """Outbox topic ``evaluation.export``; idempotent (a written export is left alone)."""
    settings = job_app().config["GRID_SETTINGS"]
    exports.run_export(session, LocalStorage(settings.storage_dir), export_id,
                       zone=ZoneInfo(settings.timezone),
                       ttl=timedelta(hours=settings.export_ttl_hours),
                       report=exports.progress_reporter(session.get_bind()))
