"""/metrics in Prometheus text format: queues, outbox backlog and age, counters."""

from datetime import UTC, datetime, timedelta

from grid_api.infra import counters, outbox
from models.outbox import MAX_ATTEMPTS, OutboxMessage, Topic


def test_metrics_report_backlog_queues_and_counters(app, client, db):
    outbox.add(db, Topic.ping)
    db.flush()
    counters.increment(app.extensions["grid_redis"], "dispatched", 3)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "grid_outbox_backlog 1.0" in text
    assert "grid_outbox_oldest_age_seconds" in text
    assert 'grid_queue_depth{queue="high"}' in text
    assert "grid_dispatched_total 3.0" in text
    app.extensions["grid_redis"].delete("metrics:dispatched")


def test_given_up_messages_are_counted_apart_from_the_backlog(app, client, db):
    db.add(OutboxMessage(topic="system.ping", queue="default", payload={},
                         attempts=MAX_ATTEMPTS,
                         created_at=datetime.now(UTC) - timedelta(days=3)))
    db.flush()
    text = client.get("/metrics").get_data(as_text=True)
    assert "grid_outbox_backlog 0.0" in text
    assert "grid_outbox_given_up 1.0" in text
    assert "grid_outbox_oldest_age_seconds 0.0" in text
