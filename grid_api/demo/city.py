"""The demo city: Hangzhou's real districts, loaded idempotently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shapely import MultiPolygon, union_all
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.grid import CellShape
from geo.repair import repair_polygonal
from grid_api.geography.areas import find_area_by_code, locate_cell_id, upsert_area
from grid_api.geography.grid_generation import generate_children
from grid_api.infra.passwords import PasswordService
from models.area import Area, AreaLevel
from models.category import Category
from models.routing import RoutingRule
from models.unit import Unit
from models.user import GridAssignment, Role, User

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CITY_CODE = "330100"
CITY_NAME = "杭州市"


DEMO_PASSWORD = "Demo2026grid"  # noqa: S105 - printed on purpose; the demo refuses production
DEMO_UNIT = ("XH-CG", "西湖区城市管理局")
# (phone, display name, role, scope): one account per role.
DEMO_ACCOUNTS = (
    ("13800000001", "陈居民", Role.resident),
    ("13800000002", "林网格", Role.grid_worker),
    ("13800000003", "赵城管", Role.unit_staff),
    ("13800000004", "周值班", Role.supervisor),
    ("13800000005", "系统管理员", Role.admin),
)
DEMO_SUPERVISED_AREA = "330106"  # 西湖区
# Central districts cut into streets → communities → grid cells (sizes in metres).
DEMO_GRID_DISTRICTS = ("330102", "330106")  # 上城区, 西湖区
DEMO_GRID_SIZES = ((CellShape.square, 3000, "街道"), (CellShape.square, 1000, "社区"),
                   (CellShape.hexagon, 200, "网格"))
DEMO_WORKER_POINT = (120.1485, 30.2475)  # by West Lake: the demo grid worker's cells are here


@dataclass
class DemoReport:
    districts: int = 0
    repaired: int = 0
    generated: int = 0


def load_demo_city(session: Session, *, with_grid: bool = True) -> DemoReport:
    """Load Hangzhou and its 13 districts (repairing their boundaries) and, unless told
    otherwise, the generated grid of the central districts. Safe to re-run."""
    features = json.loads((DATA_DIR / "hangzhou-districts.geojson").read_text("utf-8"))["features"]
    report = DemoReport()
    repaired = []
    for feature in features:
        outcome = repair_polygonal(shape(feature["geometry"]))
        if outcome.geometry is None:
            continue
        report.repaired += outcome.repaired
        repaired.append((feature["properties"], outcome.geometry))
    city_shape = union_all([geometry for _, geometry in repaired])
    city_geometry = repair_polygonal(city_shape).geometry or MultiPolygon()
    city, _ = upsert_area(session, code=CITY_CODE, name=CITY_NAME, level=AreaLevel.city,
                          geometry=city_geometry, parent=None)
    for properties, geometry in repaired:
        upsert_area(session, code=properties["adcode"], name=properties["name"],
                    level=AreaLevel.district, geometry=geometry, parent=city)
        report.districts += 1
    if with_grid:
        report.generated = load_demo_grid(session)
    return report


def _children_ids(session: Session, parent_id: int) -> list[int]:
    return list(session.execute(
        select(Area.id).where(Area.parent_id == parent_id).order_by(Area.code)).scalars())


def load_demo_grid(session: Session) -> int:
    """Generate streets, communities and cells in the central districts (once)."""
    created = 0
    for code in DEMO_GRID_DISTRICTS:
        district = find_area_by_code(session, code)
        if district is None or _children_ids(session, district.id):
            continue
        parents = [district.id]
        for cell_shape, size, suffix in DEMO_GRID_SIZES:
            next_parents = []
            for parent_id in parents:
                parent = session.get(Area, parent_id)
                report = generate_children(session, parent_id, shape=cell_shape, size_m=size,
                                           name_prefix=f"{parent.name}{suffix}")
                created += report.created
                next_parents += _children_ids(session, parent_id)
            parents = next_parents
    return created


def load_demo_accounts(session: Session, passwords: PasswordService) -> list[tuple[str, str]]:
    """One account per role (and the unit the unit staff belong to); returns (role, phone)."""
    unit = session.execute(select(Unit).where(Unit.code == DEMO_UNIT[0])).scalar_one_or_none()
    if unit is None:
        unit = Unit(code=DEMO_UNIT[0], name=DEMO_UNIT[1])
        session.add(unit)
        session.flush()  # the unit staff account references it
    area = find_area_by_code(session, DEMO_SUPERVISED_AREA)
    password_hash = None  # argon2 takes a while; only a new account needs it
    logins = []
    for local_phone, name, role in DEMO_ACCOUNTS:
        phone = "+86" + local_phone
        user = session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()
        if user is None:
            password_hash = password_hash or passwords.hash(DEMO_PASSWORD)
            user = User(phone=phone, display_name=name, roles=[role.value],
                        password_hash=password_hash)
            session.add(user)
        user.unit_id = unit.id if role is Role.unit_staff else None
        user.area_id = area.id if role is Role.supervisor and area else None
        logins.append((role.value, local_phone))
    session.flush()
    _assign_demo_cells(session, phone="+86" + DEMO_ACCOUNTS[1][0])
    if area is not None:
        _route_to_demo_unit(session, unit, area)
    return logins


def _route_to_demo_unit(session: Session, unit: Unit, area: Area) -> None:
    """Every major class in the supervised district goes to the demo unit, so a report
    there is dispatched automatically and the whole loop can be walked with the demo logins."""
    routed = set(session.execute(select(RoutingRule.category_id).where(
        RoutingRule.area_id == area.id, RoutingRule.unit_id == unit.id)).scalars())
    majors = session.execute(select(Category.id).where(Category.parent_id.is_(None))).scalars()
    session.add_all(RoutingRule(category_id=major, area_id=area.id, unit_id=unit.id)
                    for major in majors if major not in routed)
    session.flush()


def _assign_demo_cells(session: Session, *, phone: str) -> None:
    worker = session.execute(select(User).where(User.phone == phone)).scalar_one()
    cell_id = locate_cell_id(session, *DEMO_WORKER_POINT)
    if cell_id is None or session.get(GridAssignment, (worker.id, cell_id)):
        return
    cell = session.get(Area, cell_id)
    for sibling in _children_ids(session, cell.parent_id):  # the whole community
        session.merge(GridAssignment(user_id=worker.id, area_id=sibling))
