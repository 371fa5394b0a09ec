"""The periodic tallies job: keeps them switched on for the app's zone and depth and folds
the changes the counters' trigger appended."""

from datetime import date

from sqlalchemy import delete, func, select

from models.tally import Tally, TallyChange, TallySetting
from tasks import tallies as job

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
