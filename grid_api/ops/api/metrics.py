"""Prometheus metrics: queue depths, outbox backlog, dispatch and sweep counters."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response
from flask.views import MethodView
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select

from grid_api.infra import counters, queues, replica
from grid_api.push import metrics as push_metrics
from grid_api.web import db, permissions
from grid_api.web.blueprint import Blueprint
from models.outbox import MAX_ATTEMPTS, OutboxMessage

blp = Blueprint("metrics", __name__, description="Operational probes")


class _Collector:
    """Read at scrape time: every process sees the same figures (queue depths live in
    Redis, the backlog and the event counters in PostgreSQL), so any API replica can be
    scraped."""

    def collect(self):
        connection = db.redis()
        depth = GaugeMetricFamily("grid_queue_depth", "Jobs waiting per RQ queue", labels=["queue"])
        redis_up = 1
        try:
            for name in queues.QUEUE_NAMES:
                depth.add_metric([name], Queue(name, connection=connection).count)
        except RedisError:
            redis_up = 0
        yield depth
        yield GaugeMetricFamily("grid_redis_up", "1 when Redis answered this scrape; 0 means "
                                "degraded (jobs wait in the outbox)", value=redis_up)
        undelivered = OutboxMessage.processed_at.is_(None)
        given_up = OutboxMessage.attempts >= MAX_ATTEMPTS
        backlog, oldest, abandoned = db.session().execute(select(
            func.count().filter(~given_up), func.min(OutboxMessage.created_at).filter(~given_up),
            func.count().filter(given_up)).where(undelivered)).one()
        yield GaugeMetricFamily("grid_outbox_backlog", "Undelivered outbox messages",
                                value=backlog)
        yield GaugeMetricFamily("grid_outbox_given_up", "Outbox messages given up after "
                                f"{MAX_ATTEMPTS} attempts (to look at)", value=abandoned)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily("grid_outbox_oldest_age_seconds",
                                "Age of the oldest undelivered outbox message", value=age)
        totals = counters.read_all(db.session())
        for name, help_text in counters.COUNTERS.items():
            yield CounterMetricFamily(f"grid_{name}", help_text, value=totals.get(name, 0))
        yield from push_metrics.families(connection)
        yield from _replica_metrics()


def _replica_metrics():
    """Whether lag-tolerant reads go to the read replica now, and why not when they don't."""
    router = db.replica_router()
    if router is None:
        return
    state = router.state(refresh=True)
    yield GaugeMetricFamily("grid_replica_up", "1 when the read replica answers",
                            value=int(state.reason != "down"))
    yield GaugeMetricFamily("grid_replica_lag_seconds", "Replay lag of the read replica "
                            "(0 when it has replayed all it received)",
                            value=state.lag_seconds if state.lag_seconds is not None else -1)
    in_use = GaugeMetricFamily("grid_replica_in_use", "1 when lag-tolerant reads go to the "
                               "replica; 0 when they fall back to the primary (reason)",
                               labels=["reason"])
    in_use.add_metric([state.reason], int(state.usable))
    yield in_use
    count = replica.fallbacks(db.redis())
    if count is not None:
        yield CounterMetricFamily("grid_replica_fallback_reads", "Lag-tolerant reads the "
                                  "primary served because the replica lagged or was down",
                                  value=count)


@blp.route("/metrics")
class Metrics(MethodView):
    @permissions.require(permissions.PUBLIC)
    @blp.response(200, description="Prometheus text format", content_type="text/plain")
    def get(self):
        """Metrics for Prometheus (keep this path inside your network)."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector())
        return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
