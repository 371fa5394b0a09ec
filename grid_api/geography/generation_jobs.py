"""Large grid generations as background jobs: planned in the request, run by the worker,
their progress readable meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from geo.grid import CellShape, estimate_cells
from grid_api.errors import AppError, NotFound
from grid_api.geography.grid_generation import (
    GenerationReport,
    check_generable,
    check_limit,
    generate_children,
)
from grid_api.infra import outbox
from models.grid_generation import GridGenerationJob
from models.outbox import Topic


def request_generation(session: Session, area_id: int, *, shape: CellShape, size_m: float,
                       code_digits: int, name_prefix: str | None, max_cells: int,
                       sync_cells: int, actor_id: int | None,
                       ) -> GenerationReport | GridGenerationJob:
    """Generate now (up to ``sync_cells`` estimated), queue a job (up to ``max_cells``), or
    refuse. Raises NotFound, Conflict, BusinessRuleViolation (``generation_too_large``)."""
    parent = check_generable(session, area_id)
    estimate = estimate_cells(to_shape(parent.geom), shape, size_m)
    check_limit(estimate, max_cells)
    if estimate.cells <= sync_cells:
        return generate_children(session, area_id, shape=shape, size_m=size_m,
                                 code_digits=code_digits, name_prefix=name_prefix)
    job = GridGenerationJob(area_id=area_id, requested_by_id=actor_id, shape=shape.value,
                            size_m=size_m, code_digits=code_digits, name_prefix=name_prefix,
                            estimated_cells=estimate.cells, status="queued", progress=0)
    session.add(job)
    session.flush()  # the job's id is in the answer and the outbox payload
    outbox.add(session, Topic.grid_generation, job_id=job.id)
    return job


def get_job(session: Session, job_id: int) -> GridGenerationJob:
    job = session.get(GridGenerationJob, job_id)
    if job is None:
        raise NotFound
    return job


def run_job(session: Session, job_id: int, progress: Callable[[int], None]) -> str:
    """Carry out a queued generation; idempotent (a finished job is left alone). A problem
    found only now (someone generated the area meanwhile) fails the job with its code."""
    job = get_job(session, job_id)
    if job.status in {"done", "failed"}:
        return job.status
    try:
        with session.begin_nested():
            report = generate_children(
                session, job.area_id, shape=CellShape(job.shape), size_m=job.size_m,
                code_digits=job.code_digits, name_prefix=job.name_prefix, progress=progress)
    except AppError as problem:
        job.status, job.error = "failed", problem.detail_code
    else:
        job.status, job.progress, job.created_cells = "done", 100, report.created
        job.first_code, job.last_code = report.first_code, report.last_code
    job.finished_at = datetime.now(UTC)
    return job.status


def describe_job(job: GridGenerationJob) -> dict:
    return {"id": job.id, "area_id": job.area_id, "shape": job.shape, "size_m": job.size_m,
            "status": job.status, "progress": job.progress,
            "estimated_cells": job.estimated_cells, "created_cells": job.created_cells,
            "first_code": job.first_code, "last_code": job.last_code, "error": job.error,
            "created_at": job.created_at, "finished_at": job.finished_at,
            "url": f"/api/v1/grid-generations/{job.id}"}
