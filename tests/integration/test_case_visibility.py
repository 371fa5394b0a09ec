"""The SQL visibility filters and the object checks are one rule: over real rows, for every
role and scope and every status, a list shows exactly the cases a detail view would."""

import pytest
from sqlalchemy import select

from grid_api.cases import policy
from grid_api.identity.principals import principal_for
from models.case import Case, CaseStatus
from models.user import Role
from tests.factories import make_case, make_grid_tree, make_unit, make_user

PEOPLE = ("admin", "district_supervisor", "other_supervisor", "unit_staff", "other_unit_staff",
          "cell_worker", "other_cell_worker", "reporter", "other_resident", "worker_and_resident")


@pytest.fixture
def city(db):
    tree = make_grid_tree(db)
    cell, other_cell = tree["cells"][0], tree["cells"][1]
    unit, other_unit = make_unit(db), make_unit(db)
    reporter = make_user(db)
    people = {
        "admin": make_user(db, roles=(Role.admin,)),
        "district_supervisor": make_user(db, roles=(Role.supervisor,), area=tree["district"]),
        "other_supervisor": make_user(db, roles=(Role.supervisor,),
                                      area=tree["other_district"]),
        "unit_staff": make_user(db, roles=(Role.unit_staff,), unit=unit),
        "other_unit_staff": make_user(db, roles=(Role.unit_staff,), unit=other_unit),
        "cell_worker": make_user(db, roles=(Role.grid_worker,), grid_cells=(cell,)),
        "other_cell_worker": make_user(db, roles=(Role.grid_worker,), grid_cells=(other_cell,)),
        "reporter": reporter,
        "other_resident": make_user(db),
        "worker_and_resident": make_user(db, roles=(Role.grid_worker, Role.resident),
                                         grid_cells=(other_cell,)),
    }
    cases = []
    for status in CaseStatus:
        for where, handler in ((cell, unit), (other_cell, None)):
            case = make_case(db, reporter=reporter, cell=where)
            case.status, case.unit_id = status, handler.id if handler else None
            cases.append(case)
    db.flush()
    return {"people": people, "cases": cases}


def _listed(db, clause, cases) -> set[int]:
    ids = [case.id for case in cases]
    return set(db.execute(select(Case.id).where(Case.id.in_(ids), clause)).scalars())


@pytest.mark.parametrize("who", PEOPLE)
def test_lists_show_exactly_what_details_allow(db, city, who):
    principal = principal_for(db, city["people"][who].id)
    cases = city["cases"]
    full = {case.id for case in cases if policy.can_view_full(principal, case)}
    seen = {case.id for case in cases if policy.can_view(principal, case)}
    assert _listed(db, policy.cases_fully_visible_to(principal), cases) == full
    assert _listed(db, policy.cases_visible_to(principal), cases) == seen
    assert full <= seen
    # every status is in play: the public form covers exactly the public statuses
    public = {case.id for case in cases if case.status in {CaseStatus.reported,
                                                           CaseStatus.rejected}}
    assert seen - full <= {case.id for case in cases} - public
