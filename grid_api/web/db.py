"""The request's session and Redis connection, and the transaction boundary of a view
(``@transactional``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, g
from redis import Redis
from sqlalchemy.orm import Session

from grid_api.infra import replica
from grid_api.infra.database import Database
from grid_api.infra.replica import ReplicaRouter

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


def replica_router() -> ReplicaRouter | None:
    """The read-replica router, when ``DATABASE_REPLICA_URL`` is set."""
    return current_app.extensions.get("grid_replica")


def read_session() -> Session:
    """A session for reads that tolerate a few seconds of lag (statistics, exports, tiles,
    public lists): on the read replica while it keeps up, else the request's own session.
    Never for what a user just wrote and reads back: that stays on the primary."""
    router = replica_router()
    if router is None:
        return session()
    if "db_read_session" not in g:
        chosen, _state = router.read_database()
        if chosen is router.replica:
            g.db_read_session = chosen.new_session()
        else:
            replica.count_fallback(redis())
            g.db_read_session = session()
    return g.db_read_session


def close_session(_exc: BaseException | None = None) -> None:
    read = g.pop("db_read_session", None)
    db_session = g.pop("db_session", None)
    for opened in {id(read): read, id(db_session): db_session}.values():
        if opened is not None:
            opened.close()


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
