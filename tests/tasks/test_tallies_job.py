"""The periodic tallies job: keeps them switched on for the app's zone and depth and folds
the changes the counters' trigger appended."""

import threading
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from grid_api.cases import tally
from grid_api.evaluation import indicators, tallies
from grid_api.evaluation.definitions import Definitions
from grid_api.evaluation.indicators import Period, Scope
from models.case_counter import CaseCounter
from models.tally import Tally, TallyChange, TallySetting
from tasks import tallies as job
from tests.factories import make_case, make_grid_tree, make_user

ZONE = ZoneInfo("Asia/Shanghai")

LONELY = "/999999/"  # an area no test builds


def test_the_job_folds_the_appended_changes(app, committed):
    with committed.new_session() as session:
        for reported in (2, 3):
            session.add(TallyChange(basis=0, day=date(2026, 1, 5), area_path=LONELY,
                                    reported=reported, valid=1))
        session.commit()
    try:
        done = job.keep()
        assert done["rebuilt"] == 0  # kept already, for the same zone and depth
        assert done["folded"] >= 1
        with committed.new_session() as session:
            assert session.scalar(select(func.count()).select_from(TallyChange)) == 0
            row = session.get(Tally, (0, LONELY, date(2026, 1, 5)))
            assert (row.reported, row.valid, row.closed) == (5, 2, 0)
            setting = session.get(TallySetting, 1)
            assert (setting.zone, setting.depth) == ("Asia/Shanghai", 2)
    finally:
        with committed.new_session() as session:
            session.execute(delete(Tally).where(Tally.area_path == LONELY))
            session.commit()


@contextmanager
def _transaction(committed):
    with committed.new_session() as session:
        yield session
        session.commit()


def _reject(session, case_id: int) -> None:
    session.execute(update(CaseCounter).where(CaseCounter.case_id == case_id).values(
        rejected=True))


def test_switching_tallies_on_waits_out_the_writers_and_holds_none_off(app, committed,
                                                                       monkeypatch):
    with _transaction(committed) as session:
        tallies.ensure(session, zone=ZONE.key, depth=0)
    try:
        with _transaction(committed) as session:
            tree = make_grid_tree(session)
            reporter = make_user(session, roles=("grid_worker",))
            case_ids = []
            for cell in tree["cells"][:4]:
                case = make_case(session, reporter=reporter, cell=cell)
                session.add(tally.opening(case, "E0104"))
                case_ids.append(case.id)
        writer = committed.new_session()  # writing before the switch, committing after
        _reject(writer, case_ids[0])
        done: dict[str, bool] = {}
        switching = threading.Thread(target=lambda: done.update(changed=tallies.switch_on(
            lambda: _transaction(committed), zone=ZONE.key, depth=2, poll_seconds=0.05)))
        switching.start()
        time.sleep(1)
        assert switching.is_alive()  # waiting for the writer
        with _transaction(committed) as session:
            assert session.get(TallySetting, 1).ready is False
            assert tallies.kept(session) is None  # questions count cases meanwhile
            _reject(session, case_ids[1])  # not held off: appended, and committed
        writer.commit()
        writer.close()
        switching.join(timeout=60)
        assert done == {"changed": True}

        with _transaction(committed) as session:
            _reject(session, case_ids[2])  # after: appended, to be folded
        with _transaction(committed) as session:
            assert tallies.kept(session) is not None
            today = datetime.now(UTC).astimezone(ZONE).date()
            question = {"scope": Scope(area_path=tree["city"].path),
                        "period": Period.checked(today - timedelta(days=1), today, ZONE),
                        "group_by": "none", "definitions": Definitions(),
                        "now": datetime.now(UTC)}
            assert indicators._tallied(session, question["scope"], question["period"], "none")
            tallied = indicators.compute(session, **question)
            monkeypatch.setattr(indicators, "_tallied", lambda *_args: False)
            counted = indicators.compute(session, **question)
            assert tallied == counted
            assert tallied["total"]["rejected"] == 3
            assert tallied["total"]["reported"] == 4
    finally:
        with _transaction(committed) as session:
            tallies.ensure(session, zone=ZONE.key, depth=tallies.DEFAULT_DEPTH)
