"""The residents' jobs as the worker runs them, on committed data."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.notification import Notification
from models.watch import WatchArea, WatchNotice
from tasks.residents import watch_digest
from tests.factories import make_case, make_grid_tree, make_user


def test_the_periodic_digest_sends_each_due_digest_once(committed):
    with committed.new_session() as session:
        tree = make_grid_tree(session)
        reporter, watcher = make_user(session), make_user(session)
        case = make_case(session, reporter=reporter, cell=tree["cells"][0])
        session.add(WatchArea(user_id=watcher.id, area_id=tree["community"].id,
                              daily_digest=True))
        session.add(WatchNotice(user_id=watcher.id, case_id=case.id, kind="new",
                                daily_digest=True,
                                created_at=datetime.now(UTC) - timedelta(days=2)))
        session.commit()
        watcher_id = watcher.id
    assert watch_digest() == 1
    assert watch_digest() == 0
    with committed.new_session() as session:
        kinds = session.execute(select(Notification.kind).where(
            Notification.user_id == watcher_id)).scalars().all()
    assert kinds == ["watch_digest"]
