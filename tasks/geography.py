"""Jobs of the geography feature: large grid generations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from grid_api.geography import generation_jobs
from models.grid_generation import GridGenerationJob
from tasks.context import job_app


def grid_generation(session: Session, *, job_id: int, **_: Any) -> None:
    """Outbox topic ``geography.grid_generation``; idempotent (a finished job is skipped)."""
    engine = job_app().extensions["grid_db"].engine

    def progress(percent: int) -> None:
        # In a transaction of its own, so that whoever polls the job sees it move.
        with engine.begin() as connection:
            connection.execute(update(GridGenerationJob).where(
                GridGenerationJob.id == job_id,
                GridGenerationJob.status.in_(("queued", "running"))).values(
                status="running", progress=percent))

    generation_jobs.run_job(session, job_id, progress)
