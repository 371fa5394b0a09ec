"""The case services' settings: built once from the deployment's settings at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from grid_api.config import Settings


@dataclass(frozen=True)
class CaseSettings:
    """What the case services need from the deployment's settings."""

    residents_need_review: bool
    timezone: str
    day_start: time
    day_end: time
    dispute_days: int = 7
    auto_close_verified: bool = False  # verification on site closes the case itself
    urgent_limit_percent: int = 50  # 急要件 without their own limits get this share of time

    @classmethod
    def from_settings(cls, settings: Settings) -> CaseSettings:
        return cls(
            residents_need_review=settings.resident_reports_need_review,
            timezone=settings.timezone, day_start=time.fromisoformat(settings.work_day_start),
            day_end=time.fromisoformat(settings.work_day_end),
            dispute_days=settings.dispute_days,
            auto_close_verified=settings.auto_close_verified,
            urgent_limit_percent=settings.urgent_limit_percent)
