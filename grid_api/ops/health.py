"""Readiness: can this process serve (database, schema version, Redis)?"""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session


def readiness(session: Session, redis: Redis, expected_head: str | None) -> dict[str, str]:
    """Each check's outcome: "ok", or a short reason it failed."""
    checks = {"database": "ok", "migrations": "ok", "redis": "ok"}
    try:
        current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if current != expected_head:
            checks["migrations"] = f"at {current}, expected {expected_head}"
    except SQLAlchemyError as exc:
        session.rollback()
        reason = type(exc.orig or exc).__name__
        if "UndefinedTable" in reason:
            checks["migrations"] = "not applied"
        else:
            checks["database"] = f"unreachable ({reason})"
            checks["migrations"] = "unknown"
    try:
        redis.ping()
    except RedisError as exc:
        checks["redis"] = f"unreachable ({type(exc).__name__})"
    return checks
