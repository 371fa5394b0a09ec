"""What each channel achieved, counted in Redis by every worker and read by /metrics:
devices sent to and their outcomes, quota stops, and how long the vendor took per request."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from redis import Redis
from redis.exceptions import RedisError

from grid_api.push import quota
from grid_api.push.interface import Answer

log = logging.getLogger(__name__)
KEY = "push:metrics:"
PROVIDERS = "push:metrics:providers"
OUTCOMES = ("delivered", "dead", "retry", "quota", "invalid")
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # request latency, seconds


def record(connection: Redis, provider: str, answers: list[Answer], seconds: float) -> None:
    """One request to ``provider``: its devices' answers and how long it took."""
    counts = Counter(answer.outcome.value for answer in answers)
    try:
        pipe = connection.pipeline(transaction=False)
        pipe.sadd(PROVIDERS, provider)
        key = KEY + provider
        pipe.hincrby(key, "sent", len(answers))
        for outcome, count in counts.items():
            pipe.hincrby(key, outcome, count)
        pipe.hincrby(key, "requests", 1)
        pipe.hincrbyfloat(key, "seconds", seconds)
        for bound in BUCKETS:
            if seconds <= bound:
                pipe.hincrby(key, f"le_{bound}", 1)
        pipe.execute()
    except RedisError:
        log.warning("redis unavailable; push metrics of %s not counted", provider)


def quota_stop(connection: Redis, provider: str) -> None:
    try:
        connection.sadd(PROVIDERS, provider)
        connection.hincrby(KEY + provider, "quota_stops", 1)
    except RedisError:
        log.warning("redis unavailable; quota stop of %s not counted", provider)


def read(connection: Redis) -> dict[str, dict[str, float]]:
    """Every channel's figures so far, by provider."""
    providers = sorted(name.decode() if isinstance(name, bytes) else name
                       for name in connection.smembers(PROVIDERS))
    figures = {}
    for provider in providers:
        raw = connection.hgetall(KEY + provider)
        figures[provider] = {(key.decode() if isinstance(key, bytes) else key): float(value)
                             for key, value in raw.items()}
    return figures


def families(connection: Redis) -> Iterator[Metric]:
    """The channels' figures as Prometheus metric families (read at scrape time)."""
    try:
        figures = read(connection)
        stopped = quota.stopped(connection, figures)
    except RedisError:
        return
    devices = CounterMetricFamily("grid_push_devices", "Devices a channel was asked to "
                                  "push to, by its answer", labels=["provider", "outcome"])
    stops = CounterMetricFamily("grid_push_quota_stops", "Times a channel was stopped for "
                                "a spent quota", labels=["provider"])
    paused = GaugeMetricFamily("grid_push_quota_stopped", "1 while a channel waits for its "
                               "quota to come back", labels=["provider"])
    latency = HistogramMetricFamily("grid_push_request_seconds", "Time a channel took to "
                                    "answer one request", labels=["provider"])
    for provider, values in figures.items():
        devices.add_metric([provider, "sent"], values.get("sent", 0.0))
        for outcome in OUTCOMES:
            devices.add_metric([provider, outcome], values.get(outcome, 0.0))
        stops.add_metric([provider], values.get("quota_stops", 0.0))
        paused.add_metric([provider], 1.0 if provider in stopped else 0.0)
        buckets = [(str(bound), values.get(f"le_{bound}", 0.0)) for bound in BUCKETS]
        latency.add_metric([provider], [*buckets, ("+Inf", values.get("requests", 0.0))],
                           sum_value=values.get("seconds", 0.0))
    yield from (devices, stops, paused, latency)
