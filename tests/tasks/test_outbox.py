"""The outbox: rows written in the caller's transaction, handed off only after commit."""

from sqlalchemy import select

from grid_api.infra import outbox
from models.outbox import OutboxMessage, Topic


def test_handoff_happens_after_commit_only(app, db, handoffs):
    message = outbox.add(db, Topic.ping, note="x")
    assert handoffs == []
    db.commit()
    assert handoffs == [(message.id, "default")]


def test_rolled_back_messages_are_never_handed_off(app, db, handoffs):
    message = outbox.add(db, Topic.ping)
    db.rollback()
    db.commit()
    assert handoffs == []
    assert db.get(OutboxMessage, message.id) is None


def test_handoff_failure_does_not_undo_the_commit(app, db):
    def broken(_messages):
        raise ConnectionError("redis is down")

    app.extensions["grid_outbox_handoff"] = broken
    message = outbox.add(db, Topic.ping)
    db.commit()
    stored = db.execute(select(OutboxMessage).where(OutboxMessage.id == message.id)).scalar_one()
    assert stored.processed_at is None


def test_every_topic_has_exactly_one_handler():
    from tasks.handlers import HANDLERS  # noqa: PLC0415

    assert set(HANDLERS) == set(Topic)


def test_a_message_runs_on_its_topics_queue(db):
    assert outbox.add(db, Topic.auto_dispatch, case_id=1).queue == "high"
    assert outbox.add(db, Topic.push_notification, notification_ids=[]).queue == "default"
