"""Test data builders: plain functions with keyword defaults."""

from __future__ import annotations

import itertools

from geoalchemy2.shape import from_shape
from shapely import MultiPolygon, box
from sqlalchemy import func
from sqlalchemy.orm import Session

from grid_api.infra.passwords import PasswordService
from models.area import PENDING_PATH, Area, AreaLevel, child_path
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
                parent=parent, path=PENDING_PATH,
                geom=from_shape(MultiPolygon([box(*bounds)]), srid=4326))
    session.add(area)
    session.flush()
    area.path = child_path(parent.path if parent else None, area.id)
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


COMMUNITY_BOUNDS = (120.10, 30.20, 120.12, 30.21)  # about 1.9 km × 1.1 km, near West Lake


def make_grid_tree(session: Session) -> dict:
    """city → district → street → community → 8 generated 500 m cells, plus a second district."""
    from geo.grid import CellShape  # noqa: PLC0415 - only the grid-building tests need it
    from grid_api.geography.grid_generation import generate_children  # noqa: PLC0415

    city = make_area(session, level=AreaLevel.city, code="330100", bounds=(119.9, 30.0, 120.4,
                                                                              30.4))
    district = make_area(session, parent=city, code="330106", bounds=(120.0, 30.1, 120.2, 30.3))
    other = make_area(session, parent=city, code="330102", bounds=(120.2, 30.1, 120.3, 30.3))
    street = make_area(session, parent=district, level=AreaLevel.street, code="330106001",
                       bounds=COMMUNITY_BOUNDS)
    community = make_area(session, parent=street, level=AreaLevel.community, code="330106001001",
                          bounds=COMMUNITY_BOUNDS)
    generate_children(session, community.id, shape=CellShape.square, size_m=500)
    cells = session.query(Area).filter(Area.parent_id == community.id).order_by(Area.code).all()
    return {"city": city, "district": district, "other_district": other, "street": street,
            "community": community, "cells": cells}


def make_case(session: Session, *, reporter: User, cell: Area, category_code: str = "E0104",
              source: str = "resident_app", urgent: bool = False):
    from sqlalchemy import select  # noqa: PLC0415

    from models.case import Case  # noqa: PLC0415
    from models.category import Category  # noqa: PLC0415

    category_id = session.execute(select(Category.id).where(
        Category.code == category_code)).scalar_one()
    lon, lat = session.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                      func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                               .where(Area.id == cell.id)).one()
    case = Case.report(actor_id=reporter.id, code=f"T{next(_sequence):013d}",
                       category_id=category_id, description="测试案件",
                       location=f"SRID=4326;POINT({lon} {lat})", reporter_id=reporter.id,
                       grid_id=cell.id, area_path=cell.path, source=source, urgent=urgent)
    session.add(case)
    session.flush()
    return case
