"""People and places for the case tests."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.factories import bearer, login, make_grid_tree, make_unit, make_user


@dataclass
class Person:
    user: object
    headers: dict


@pytest.fixture
def world(client, db):
    """A small city with one person per role, and the roles' out-of-scope twins."""
    tree = make_grid_tree(db)
    unit, other_unit = make_unit(db, name="西湖区城管"), make_unit(db, name="上城区环卫")

    def person(**kwargs):
        user = make_user(db, **kwargs)
        return Person(user, bearer(login(client, user)))

    people = {
        "resident": person(),
        "neighbour": person(),
        "worker": person(roles=("grid_worker",), grid_cells=tuple(tree["cells"][:4])),
        "far_worker": person(roles=("grid_worker",), grid_cells=tuple(tree["cells"][4:])),
        "unit": person(roles=("unit_staff",), unit=unit),
        "other_unit": person(roles=("unit_staff",), unit=other_unit),
        "supervisor": person(roles=("supervisor",), area=tree["district"]),
        "far_supervisor": person(roles=("supervisor",), area=tree["other_district"]),
        "admin": person(roles=("admin",)),
    }
    return {**tree, **people, "unit_id": unit.id, "other_unit_id": other_unit.id}


@pytest.fixture
def photo():
    """JPEG bytes, optionally with EXIF GPS (lon, lat) and capture time."""
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    def make(size=(640, 480), gps=None, taken="2026:11:25 10:00:00", fmt="JPEG", colour="red"):
        image = Image.new("RGB", size, colour)
        exif = Image.Exif()
        if gps:
            lon, lat = gps
            exif[0x8825] = {1: "N", 2: (float(int(lat)), (lat % 1) * 60, 0.0),
                            3: "E", 4: (float(int(lon)), (lon % 1) * 60, 0.0)}
        exif.get_ifd(0x8769)[0x9003] = taken
        buffer = io.BytesIO()
        image.save(buffer, fmt, **({"exif": exif} if fmt == "JPEG" else {}))
        buffer.seek(0)
        return buffer

    return make


@pytest.fixture
def committed_world(app, committed):
    """A committed report in a small city, and a supervisor able to register it."""
    from grid_api.identity.principal import Principal  # noqa: PLC0415
    from grid_api.identity.principals import principal_for  # noqa: PLC0415
    from models.case import Case  # noqa: PLC0415
    from models.category import Category  # noqa: PLC0415

    with committed.new_session() as session:
        tree = make_grid_tree(session)
        supervisor = make_user(session, roles=("supervisor",), area=tree["district"])
        resident = make_user(session)
        category_id = session.execute(select(Category.id).where(Category.code == "E0104")).scalar()
        case = Case.report(actor_id=resident.id, code="20261125999999", category_id=category_id,
                           description="并发测试", location="SRID=4326;POINT(120.101 30.209)",
                           reporter_id=resident.id, grid_id=tree["cells"][0].id,
                           area_path=tree["cells"][0].path, source="resident_app")
        session.add(case)
        session.commit()
        principal: Principal = principal_for(session, supervisor.id)
        return committed, case.id, principal
