"""The demo city: Hangzhou's real districts, loaded idempotently."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shapely import MultiPolygon, union_all
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.repair import repair_polygonal
from grid_api.passwords import PasswordService
from grid_api.services.areas import find_area_by_code, upsert_area
from models.area import AreaLevel
from models.unit import Unit
from models.user import Role, User

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


@dataclass
class DemoReport:
    districts: int = 0
    repaired: int = 0


def load_demo_city(session: Session) -> DemoReport:
    """Load Hangzhou and its 13 districts (repairing their boundaries). Safe to re-run."""
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
    return report


def load_demo_accounts(session: Session, passwords: PasswordService) -> list[tuple[str, str]]:
    """One account per role (and the unit the unit staff belong to); returns (role, phone)."""
    unit = session.execute(select(Unit).where(Unit.code == DEMO_UNIT[0])).scalar_one_or_none()
    if unit is None:
        unit = Unit(code=DEMO_UNIT[0], name=DEMO_UNIT[1])
        session.add(unit)
        session.flush()  # the unit staff account references it
    area = find_area_by_code(session, DEMO_SUPERVISED_AREA)
    password_hash = passwords.hash(DEMO_PASSWORD)
    logins = []
    for local_phone, name, role in DEMO_ACCOUNTS:
        phone = "+86" + local_phone
        user = session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()
        if user is None:
            user = User(phone=phone, display_name=name, roles=[role.value],
                        password_hash=password_hash)
            session.add(user)
        user.unit_id = unit.id if role is Role.unit_staff else None
        user.area_id = area.id if role is Role.supervisor and area else None
        logins.append((role.value, local_phone))
    session.flush()
    return logins
