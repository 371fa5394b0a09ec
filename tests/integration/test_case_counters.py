"""Per-case counters are a projection of the timeline: kept in step by every action, and
equal to what a rebuild from ``case_events`` alone gives."""

from sqlalchemy import delete, func, select

from grid_api.cases import tally
from models.case import Case
from models.case_counter import CaseCounter
from tests.evaluation_city import build_city
from tests.factories import make_case, make_grid_tree, make_user


def _snapshot(session) -> dict[int, dict]:
    session.flush()
    session.expire_all()
    return {row.case_id: row.values()
            for row in session.execute(select(CaseCounter)).scalars()}


def test_rebuilding_from_the_timeline_gives_the_same_counters(db):
    city = build_city(db, cases=200)
    kept = _snapshot(db)
    assert set(kept) == set(city.case_ids)
    # The walk took every kind of path.
    rows = list(kept.values())
    for name in ("rejected", "closed", "closed_on_time", "deferred", "late", "urgent",
                 "verified", "handled_on_time", "self_handled"):
        assert any(row[name] for row in rows), name
        assert not all(row[name] for row in rows), name
    for name in ("returns", "reworks", "extensions", "checks"):
        assert any(row[name] > 0 for row in rows), name
    assert any(row["rating"] for row in rows)
    assert {row["source"].value for row in rows} >= {"resident_app", "grid_worker", "hotline"}

    db.execute(delete(CaseCounter))
    rebuilt = sum(tally.rebuild_all(db, batch=37))
    assert rebuilt == len(city.case_ids)
    assert _snapshot(db) == kept


def test_a_case_filed_before_counters_existed_gets_them_at_its_next_step(db):
    tree = make_grid_tree(db)
    worker = make_user(db, roles=("grid_worker",), grid_cells=tuple(tree["cells"]))
    case = make_case(db, reporter=worker, cell=tree["cells"][0])
    assert db.execute(select(func.count()).select_from(CaseCounter)).scalar() == 0
    from grid_api.cases import commands, workflow  # noqa: PLC0415
    from grid_api.identity.principals import principal_for  # noqa: PLC0415
    from tests.evaluation_city import SETTINGS  # noqa: PLC0415

    supervisor = make_user(db, roles=("supervisor",), area=tree["district"])
    ctx = workflow.ActionContext(db, principal_for(db, supervisor.id), SETTINGS)
    workflow.act(ctx, case.id, commands.Register())
    row = db.get(CaseCounter, case.id)
    assert row.status == "registered"
    assert row.registered_at == ctx.now
    assert db.get(Case, case.id).status.value == row.status
