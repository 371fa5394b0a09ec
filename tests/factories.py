"""Test data builders: plain functions with keyword defaults."""

from __future__ import annotations

import itertools

from geoalchemy2.shape import from_shape
from shapely import MultiPolygon, box
from sqlalchemy.orm import Session

from grid_api.passwords import PasswordService
from models.area import Area, AreaLevel
from models.unit import Unit
from models.user import GridAssignment, Role, User

PASSWORD = "Grid2026pass"
_passwords = PasswordService(memory_kib=1024)
_password_hash = _passwords.hash(PASSWORD)
_sequence = itertools.count(1)


def next_phone() -> str:
    return f"+86139{next(_sequence):08d}"


def make_area(session: Session, *, level: AreaLevel = AreaLevel.district,
              parent: Area | None = None, code: str | None = None, name: str | None = None,
              bounds: tuple[float, float, float, float] = (120.0, 30.0, 120.1, 30.1)) -> Area:
    number = next(_sequence)
    area = Area(code=code or f"T{number:09d}", name=name or f"测试区域{number}", level=level,
                parent=parent, path="", geom=from_shape(MultiPolygon([box(*bounds)]), srid=4326))
    session.add(area)
    session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    session.flush()
    return area


def make_unit(session: Session, *, code: str | None = None, name: str = "测试单位") -> Unit:
    unit = Unit(code=code or f"U{next(_sequence)}", name=name)
    session.add(unit)
    session.flush()
    return unit


def make_user(session: Session, *, roles: tuple[Role | str, ...] = (Role.resident,),
              phone: str | None = None, unit: Unit | None = None, area: Area | None = None,
              grid_cells: tuple[Area, ...] = (), display_name: str = "测试用户") -> User:
    user = User(phone=phone or next_phone(), display_name=display_name,
                roles=[Role(role).value for role in roles], password_hash=_password_hash,
                unit_id=unit.id if unit else None, area_id=area.id if area else None)
    session.add(user)
    session.flush()
    session.add_all(GridAssignment(user_id=user.id, area_id=cell.id) for cell in grid_cells)
    session.flush()
    return user


def login(client, user: User, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
