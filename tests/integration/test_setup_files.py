"""Setup files: each loads idempotently, and a bad row names its file, line and reason."""

import pytest
from sqlalchemy import select

from grid_api.onboarding.setup_files import (
    SetupFileError,
    apply_grid_plan,
    apply_routing_rules,
    apply_staff,
    apply_units,
)
from models.area import Area, AreaLevel
from models.routing import RoutingRule
from models.unit import Unit
from models.user import GridAssignment, User
from tests.factories import make_area


@pytest.fixture
def district(db):
    city = make_area(db, level=AreaLevel.city, code="330400", bounds=(120.6, 30.6, 121.0, 30.9))
    return make_area(db, parent=city, code="330402", name="南湖区",
                     bounds=(120.70, 30.70, 120.73, 30.72))


def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_grid_plan_cuts_three_levels_once(db, tmp_path, district):
    plan = _csv(tmp_path, "grid.csv",
                "area,levels\n330402,square:1500:街道 square:800:社区 hexagon:300:网格\n")
    first = apply_grid_plan(db, plan)
    cells = db.execute(select(Area.code, Area.name).where(Area.level == AreaLevel.grid)).all()
    assert first.created > len(cells) > 10
    assert cells[0].code.startswith("330402001")
    assert "网格" in cells[0].name
    assert apply_grid_plan(db, plan).created == 0


def test_units_are_created_then_brought_up_to_date(db, tmp_path):
    units = _csv(tmp_path, "units.csv", "code,name,parent,contact\n"
                 "JX,嘉兴市执法局,,\nJX-NH,南湖区执法局,JX,0573-1\n")
    assert apply_units(db, units).created == 2
    _csv(tmp_path, "units.csv", "code,name,parent,contact\n"
         "JX,嘉兴市执法局,,\nJX-NH,南湖区综合执法局,JX,0573-1\n")
    again = apply_units(db, units)
    assert (again.created, again.changed, again.unchanged) == (0, 1, 1)
    child = db.execute(select(Unit).where(Unit.code == "JX-NH")).scalar_one()
    assert child.name == "南湖区综合执法局"


def test_a_star_routes_every_major_class_and_rules_in_force_are_kept(db, tmp_path, district):
    apply_units(db, _csv(tmp_path, "units.csv", "code,name,parent,contact\nJX-NH,执法局,,\n"))
    rules = _csv(tmp_path, "rules.csv", "category,area,unit,priority\n*,330402,JX-NH,0\n")
    first = apply_routing_rules(db, rules)
    assert first.created == 12  # six component and six event major classes
    assert apply_routing_rules(db, rules).unchanged == 12
    assert len(db.execute(select(RoutingRule)).scalars().all()) == 12


def test_staff_get_a_first_password_once_and_their_cells(db, tmp_path, district):
    apply_grid_plan(db, _csv(tmp_path, "grid.csv",
                             "area,levels\n330402,square:1500 square:800 square:400\n"))
    staff = _csv(tmp_path, "staff.csv", "phone,name,roles,unit,area,cells\n"
                 "13900000002,网格员,grid_worker,,,330402001001\n"
                 "13900000004,值班长,supervisor,,330402,\n")
    first = apply_staff(db, _passwords(), staff)
    assert [(phone, roles) for phone, roles, _ in first.new_accounts] == [
        ("+8613900000002", "grid_worker"), ("+8613900000004", "supervisor")]
    worker = db.execute(select(User).where(User.phone == "+8613900000002")).scalar_one()
    cells = db.execute(select(Area.code).join(GridAssignment, GridAssignment.area_id == Area.id)
                       .where(GridAssignment.user_id == worker.id)).scalars().all()
    assert cells
    assert all(code.startswith("330402001001") for code in cells)
    assert apply_staff(db, _passwords(), staff).new_accounts == []


def test_a_bad_row_names_its_file_and_line(db, tmp_path, district):
    rules = _csv(tmp_path, "rules.csv", "category,area,unit,priority\nE0104,330402,NOPE,0\n")
    with pytest.raises(SetupFileError, match=r"rules.csv:2: no unit with code NOPE"):
        apply_routing_rules(db, rules)
    plan = _csv(tmp_path, "grid.csv", "area,levels\n330499,square:1000\n")
    with pytest.raises(SetupFileError, match=r"grid.csv:2: no current area with code 330499"):
        apply_grid_plan(db, plan)
    staff = _csv(tmp_path, "staff.csv", "phone,name,roles\n12345,某人,grid_worker\n")
    with pytest.raises(SetupFileError, match=r"staff.csv:2: not a phone number"):
        apply_staff(db, _passwords(), staff)


def _passwords():
    from grid_api.infra.passwords import PasswordService  # noqa: PLC0415

    return PasswordService(1024)
