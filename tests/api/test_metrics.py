"""/metrics in Prometheus text format: queues, outbox backlog and age, counters."""

from datetime import UTC, datetime, timedelta

from grid_api.app import create_app
from grid_api.config import Settings
from grid_api.infra import counters, outbox
from models.outbox import MAX_ATTEMPTS, OutboxMessage, Topic
from tasks import relay


def test_metrics_report_backlog_queues_and_counters(app, client, db):
    outbox.add(db, Topic.ping)
    db.flush()
    counters.increment(db, "dispatched", 3)
    counters.increment(db, "dispatched", 2)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "grid_outbox_backlog 1.0" in text
    assert "grid_outbox_oldest_age_seconds" in text
    assert 'grid_queue_depth{queue="high"}' in text
    assert "grid_dispatched_total 5.0" in text


def test_given_up_messages_are_counted_apart_from_the_backlog(app, client, db):
    db.add(OutboxMessage(topic="system.ping", queue="default", payload={},
                         attempts=MAX_ATTEMPTS,
                         created_at=datetime.now(UTC) - timedelta(days=3)))
    db.flush()
    text = client.get("/metrics").get_data(as_text=True)
    assert "grid_outbox_backlog 0.0" in text
    assert "grid_outbox_given_up 1.0" in text
    assert "grid_outbox_oldest_age_seconds 0.0" in text


def test_counters_outlive_redis_losing_its_data_or_being_down(app, client, db, test_env):
    """Counters live with the data they count: neither 0 nor running backwards."""
    counters.increment(db, "escalations", 4)
    db.flush()
    app.extensions["grid_redis"].flushdb()
    assert "grid_escalations_total 4.0" in client.get("/metrics").get_data(as_text=True)
    env = dict(test_env, REDIS_URL="redis://127.0.0.1:1/0")
    without_redis = create_app(settings=Settings.from_env(env))
    without_redis.extensions["grid_db"].sessionmaker.configure(
        bind=db.get_bind(), join_transaction_mode="create_savepoint")
    text = without_redis.test_client().get("/metrics").get_data(as_text=True)
    assert "grid_escalations_total 4.0" in text
    assert "grid_redis_up 0.0" in text


def test_a_delivered_message_is_counted_with_its_delivery(app, committed):
    with committed.new_session() as session:
        message = outbox.add(session, Topic.ping)
        session.commit()
    assert relay.deliver(message.id) == "delivered"
    assert relay.deliver(message.id) == "skipped"
    with committed.new_session() as session:
        assert counters.read_all(session)["outbox_delivered"] == 1
