"""Reads that tolerate a few seconds of lag go to a streaming replica (DATABASE_REPLICA_URL);
when the replica lags too far or does not answer, they go to the primary instead."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from grid_api.infra.database import Database, make_engine

if TYPE_CHECKING:
    from grid_api.config import Settings

log = logging.getLogger(__name__)
FALLBACKS_KEY = "metrics:replica_fallback_reads"

# Lag is the age of the last replayed transaction while WAL waits to be replayed; a
# replica that has replayed all it received is current (an idle primary sends nothing).
# No WAL receiver means the replica is cut off from the primary: it cannot be trusted.
LAG_SQL = text("""
    SELECT pg_is_in_recovery(),
           (SELECT count(*) FROM pg_stat_wal_receiver),
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
           END
""")


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    reason: str  # "ok", "lagging", "disconnected", "not_a_replica" or "down"
    lag_seconds: float | None


class ReplicaRouter:
    """Chooses the database for lag-tolerant reads; the check is cached per process."""

    def __init__(self, primary: Database, replica: Database, *, max_lag_seconds: float,
                 check_seconds: float) -> None:
        self.primary, self.replica = primary, replica
        self.max_lag_seconds, self.check_seconds = max_lag_seconds, check_seconds
        self._state: ReplicaState | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def check(self) -> ReplicaState:
        """Ask the replica how far behind it is (one query)."""
        try:
            with self.replica.engine.connect() as connection:
                in_recovery, receivers, lag = connection.execute(LAG_SQL).one()
        except SQLAlchemyError as exc:
            log.warning("read replica unavailable: %s", exc.__class__.__name__)
            return ReplicaState(False, "down", None)
        if not in_recovery:
            return ReplicaState(False, "not_a_replica", None)
        if not receivers:
            return ReplicaState(False, "disconnected", lag)
        if lag is None or lag > self.max_lag_seconds:
            return ReplicaState(False, "lagging", lag)
        return ReplicaState(True, "ok", lag)

    def state(self, *, refresh: bool = False) -> ReplicaState:
        """The last check, refreshed when older than ``check_seconds`` (or when asked)."""
        with self._lock:
            now = time.monotonic()
            if refresh or self._state is None or now - self._checked_at >= self.check_seconds:
                self._state, self._checked_at = self.check(), now
            return self._state

    def read_database(self) -> tuple[Database, ReplicaState]:
        state = self.state()
        return (self.replica if state.usable else self.primary), state


def count_fallback(connection: Redis) -> None:
    """Count a lag-tolerant read the primary served (best effort: a read writes nothing to
    PostgreSQL, and a lost count matters less than the read)."""
    try:
        connection.incr(FALLBACKS_KEY)
    except RedisError:
        log.warning("redis unavailable; replica fallback not counted")


def fallbacks(connection: Redis) -> int | None:
    try:
        return int(connection.get(FALLBACKS_KEY) or 0)
    except RedisError:
        return None


def from_settings(settings: Settings, primary: Database) -> ReplicaRouter | None:
    """The router for ``DATABASE_REPLICA_URL``, or None when no replica is configured."""
    if not settings.database_replica_url:
        return None
    replica = Database(make_engine(settings.database_replica_url,
                                   pool_size=settings.db_pool_size, connect_timeout=2))
    return ReplicaRouter(primary, replica, max_lag_seconds=settings.replica_max_lag_seconds,
                         check_seconds=settings.replica_check_seconds)
