"""Overdue escalation: flagged once per level, climbing the area tree, never twice."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from grid_api.dispatch import escalation
from models.case import Case
from models.notification import Notification
from tests.factories import make_case, make_grid_tree, make_user

INTERVAL = timedelta(hours=4)


def _setup(session):
    tree = make_grid_tree(session)
    district_boss = make_user(session, roles=("supervisor",), area=tree["district"])
    city_boss = make_user(session, roles=("supervisor",), area=tree["city"])
    case = make_case(session, reporter=make_user(session), cell=tree["cells"][0])
    case.handle_deadline = datetime.now(UTC) - timedelta(minutes=5)
    case.status = case.status.__class__("in_progress")
    session.flush()
    return case, district_boss, city_boss


def _inbox(session, user):
    return session.execute(select(Notification.params).where(
        Notification.user_id == user.id)).scalars().all()


def test_escalation_climbs_the_tree_once_per_level(db):
    case, district_boss, city_boss = _setup(db)
    now = datetime.now(UTC)
    assert escalation.sweep(db, now=now, interval=INTERVAL) == 1
    assert escalation.sweep(db, now=now + timedelta(minutes=1), interval=INTERVAL) == 0
    db.refresh(case)
    assert (case.overdue, case.escalation_level) == (True, 1)
    assert [p["level"] for p in _inbox(db, district_boss)] == [1]
    assert _inbox(db, city_boss) == []
    assert escalation.sweep(db, now=now + INTERVAL + timedelta(minutes=1), interval=INTERVAL) == 1
    assert [p["level"] for p in _inbox(db, city_boss)] == [2]  # the next area up
    assert [p["level"] for p in _inbox(db, district_boss)] == [1]


def test_deferred_and_on_time_cases_are_left_alone(db):
    case, _, _ = _setup(db)
    case.deferred = True
    db.flush()
    assert escalation.sweep(db, now=datetime.now(UTC), interval=INTERVAL) == 0
    db.execute(update(Case).where(Case.id == case.id).values(
        deferred=False, handle_deadline=datetime.now(UTC) + timedelta(hours=1)))
    assert escalation.sweep(db, now=datetime.now(UTC), interval=INTERVAL) == 0


def test_two_sweepers_at_once_escalate_once(committed):
    with committed.new_session() as session:
        case, district_boss, _ = _setup(session)
        session.commit()
        case_id, boss_id = case.id, district_boss.id
    now = datetime.now(UTC)
    first, second = committed.new_session(), committed.new_session()
    try:
        assert escalation.sweep(first, now=now, interval=INTERVAL) == 1  # holds the row
        assert escalation.sweep(second, now=now, interval=INTERVAL) == 0  # skips the locked row
        first.commit()
        second.rollback()
        assert escalation.sweep(second, now=now, interval=INTERVAL) == 0  # and now it is not due
        second.commit()
    finally:
        first.close()
        second.close()
    with committed.new_session() as session:
        assert session.get(Case, case_id).escalation_level == 1
        told = session.execute(select(func.count()).where(
            Notification.user_id == boss_id)).scalar()
        assert told == 1


def test_many_messages_make_few_push_jobs(db):
    from grid_api.notifications.inbox import PUSH_BATCH, insert_messages  # noqa: PLC0415
    from models.outbox import OutboxMessage  # noqa: PLC0415

    user = make_user(db)
    ids = insert_messages(db, [{"user_id": user.id, "kind": "case_overdue",
                                "params": {"code": "x", "level": 1}}] * (PUSH_BATCH * 2 + 1))
    jobs = db.execute(select(OutboxMessage.payload).where(
        OutboxMessage.topic == "push.notification")).scalars().all()
    assert [len(job["notification_ids"]) for job in jobs] == [PUSH_BATCH, PUSH_BATCH, 1]
    assert sorted(i for job in jobs for i in job["notification_ids"]) == sorted(ids)


def test_a_sweep_finding_many_cases_sends_one_digest_per_supervisor(db):
    case, district_boss, _ = _setup(db)
    for _ in range(2):
        other = make_case(db, reporter=make_user(db), cell=_cell_of(db, case))
        other.handle_deadline = case.handle_deadline
        other.status = case.status
    db.flush()
    assert escalation.sweep(db, now=datetime.now(UTC), interval=INTERVAL) == 3
    kinds = db.execute(select(Notification.kind, Notification.params).where(
        Notification.user_id == district_boss.id)).all()
    assert len(kinds) == 1
    kind, params = kinds[0]
    assert (kind, params["count"], params["level"]) == ("cases_overdue", 3, 1)
    assert case.code in params["codes"]


def _cell_of(db, case):
    from models.area import Area  # noqa: PLC0415

    return db.get(Area, case.grid_id)
