"""The outbox: rows written in the caller's transaction, handed off only after commit."""

from sqlalchemy import select

from grid_api import outbox
from models.outbox import OutboxMessage


def test_handoff_happens_after_commit_only(app, db, handoffs):
    message = outbox.add(db, "system.ping", note="x")
    assert handoffs == []
    db.commit()
    assert handoffs == [(message.id, "default")]


def test_rolled_back_messages_are_never_handed_off(app, db, handoffs):
    message = outbox.add(db, "system.ping")
    db.rollback()
    db.commit()
    assert handoffs == []
    assert db.get(OutboxMessage, message.id) is None


def test_handoff_failure_does_not_undo_the_commit(app, db):
    def broken(_messages):
        raise ConnectionError("redis is down")

    app.extensions["grid_outbox_handoff"] = broken
    message = outbox.add(db, "system.ping")
    db.commit()
    stored = db.execute(select(OutboxMessage).where(OutboxMessage.id == message.id)).scalar_one()
    assert stored.processed_at is None
