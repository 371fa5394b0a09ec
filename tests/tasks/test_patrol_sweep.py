"""The patrol sweep: open patrols the phone went quiet on are finished at their last fix,
and raw tracks past retention are purged while their time per cell stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, update

from grid_api.fieldwork import patrols
from grid_api.identity.principals import principal_for
from models.patrol import Patrol, PatrolCellDay, PatrolFix
from tasks.fieldwork import patrol_sweep
from tests.factories import make_grid_tree, make_user


def _walked_patrol(db, settings, tree, *, hours_ago: float, finish: bool):
    worker = make_user(db, roles=("grid_worker",), grid_cells=tuple(tree["cells"][:2]))
    principal = principal_for(db, worker.id)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours_ago)
    patrol, _ = patrols.start_patrol(db, principal, started_at=start)
    fixes = [{"t": start + timedelta(seconds=10 * i), "lon": 120.1010 + i * 0.0001,
              "lat": 30.2090, "crs": "wgs84", "accuracy_m": 6.0} for i in range(60)]
    patrols.add_fixes(db, principal, patrol.id, fixes, settings)
    if finish:
        patrols.finish_patrol(db, principal, patrol.id, settings,
                              finished_at=start + timedelta(minutes=10))
    return patrol, start


def test_a_patrol_left_open_is_finished_at_its_last_fix(app: Flask, db):
    settings = patrols.patrol_settings_from(app.config["GRID_SETTINGS"])
    tree = make_grid_tree(db)
    patrol, start = _walked_patrol(db, settings, tree, hours_ago=5, finish=False)
    fresh, _ = _walked_patrol(db, settings, tree, hours_ago=0.5, finish=False)
    db.execute(update(Patrol).where(Patrol.id == patrol.id).values(
        last_activity_at=datetime.now(UTC) - settings.idle - timedelta(minutes=1)))
    assert patrols.finish_idle(db, settings) == 1
    db.refresh(patrol)
    db.refresh(fresh)
    assert patrol.finished_by == "system"
    assert patrol.finished_at == start + timedelta(seconds=590)
    assert patrol.walked_m > 500
    assert db.execute(select(func.count()).select_from(PatrolCellDay).where(
        PatrolCellDay.patrol_id == patrol.id)).scalar() >= 1
    assert fresh.finished_at is None


def test_tracks_past_retention_lose_their_fixes_but_keep_their_measures(app: Flask, db):
    settings = patrols.patrol_settings_from(app.config["GRID_SETTINGS"])
    tree = make_grid_tree(db)
    old, _ = _walked_patrol(db, settings, tree, hours_ago=3, finish=True)
    recent, _ = _walked_patrol(db, settings, tree, hours_ago=2, finish=True)
    db.execute(update(Patrol).where(Patrol.id == old.id).values(
        finished_at=datetime.now(UTC) - settings.retention - timedelta(days=1),
        started_at=datetime.now(UTC) - settings.retention - timedelta(days=1, hours=1)))
    cells_before = db.execute(select(func.count()).select_from(PatrolCellDay).where(
        PatrolCellDay.patrol_id == old.id)).scalar()
    assert patrols.purge_tracks(db, settings) == 1
    assert patrols.purge_tracks(db, settings) == 0
    fixes = dict(db.execute(select(PatrolFix.patrol_id, func.count()).group_by(
        PatrolFix.patrol_id)).all())
    assert fixes == {recent.id: 60}
    db.refresh(old)
    assert old.track_purged_at is not None
    assert old.walked_m > 500
    assert db.execute(select(func.count()).select_from(PatrolCellDay).where(
        PatrolCellDay.patrol_id == old.id)).scalar() == cells_before >= 1


def test_the_sweep_job_runs_both_in_its_own_transaction(app: Flask, committed):
    settings = patrols.patrol_settings_from(app.config["GRID_SETTINGS"])
    with committed.new_session() as session:
        patrol, _ = _walked_patrol(session, settings, make_grid_tree(session), hours_ago=5,
                                   finish=False)
        session.execute(update(Patrol).where(Patrol.id == patrol.id).values(
            last_activity_at=datetime.now(UTC) - settings.idle - timedelta(minutes=1)))
        session.commit()
    assert patrol_sweep() == {"finished": 1, "missed_candidates": 0, "purged": 0,
                              "sync_operations_forgotten": 0, "sync_photos_dropped": 0}
    with committed.new_session() as session:
        assert session.get(Patrol, patrol.id).finished_by == "system"
