"""Engines and session factories: one per process, forked workers get fresh pools."""

from __future__ import annotations

import os
import weakref

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from grid_api.infra import timestamps

_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _dispose_pools_after_fork() -> None:
    # A forked worker must not share its parent's sockets; close=False leaves the
    # parent's connections alone while the child opens its own.
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_dispose_pools_after_fork)


def make_engine(url: str, *, pool_size: int = 10, connect_timeout: int = 5) -> Engine:
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args={"connect_timeout": connect_timeout, "application_name": "grid-api"},
    )
    # A stored timestamp Python cannot hold must never make a read fail.
    event.listen(engine, "connect", lambda dbapi_connection, _record: timestamps.install(
        dbapi_connection))
    _engines.add(engine)
    return engine


class Database:
    """What one process needs to open sessions: the engine and a configured factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(engine, expire_on_commit=False)

    def new_session(self) -> Session:
        return self.sessionmaker()
