"""The request's session and Redis connection, and the transaction boundary of a view
(``@transactional``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, g
from redis import Redis
from sqlalchemy.orm import Session

from grid_api.infra.database import Database

P = ParamSpec("P")
R = TypeVar("R")


def database() -> Database:
    return current_app.extensions["grid_db"]


def redis() -> Redis:
    """The process's Redis connection (queues, revocations, rate limits)."""
    return current_app.extensions["grid_redis"]


def session() -> Session:
    """The session of the current request (or app context), opened on first use."""
    if "db_session" not in g:
        g.db_session = database().new_session()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def transactional(view: Callable[P, R]) -> Callable[P, R]:
    """Commit the request's session when ``view`` returns; roll back when it raises."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        db_session = session()
        try:
            result = view(*args, **kwargs)
            db_session.commit()
        except BaseException as exc:
            # Some failures must still record something (a revoked session on token reuse).
            if getattr(exc, "commit_before_raise", False):
                db_session.commit()
            else:
                db_session.rollback()
            raise
        return result

    return wrapper
