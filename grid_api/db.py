"""Engine, the per-request session and the transaction boundary (``@transactional``).

Domain code never commits: a view decorated with ``@transactional`` commits once when
it returns and rolls back when it raises; a job does the same in ``tasks.context``.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import current_app, g
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

P = ParamSpec("P")
R = TypeVar("R")

_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _dispose_pools_after_fork() -> None:
    # A forked worker must not share its parent's sockets; close=False leaves the
    # parent's connections alone while the child opens its own.
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_pools_after_fork)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args={"connect_timeout": 5, "application_name": "grid-api"},
    )
    _engines.add(engine)
    return engine


class Database:
    """What one process needs to open sessions: the engine and a configured factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(engine, expire_on_commit=False)

    def new_session(self) -> Session:
        return self.sessionmaker()


def database() -> Database:
    return current_app.extensions["grid_db"]


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
