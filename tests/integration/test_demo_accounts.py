"""The demo accounts printed by the run command sign in, one per role, and the demo district
routes its cases to the demo unit."""

import pytest
from sqlalchemy import func, select

from grid_api.demo.city import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_SUPERVISED_AREA,
    DEMO_UNIT,
    load_demo_accounts,
    load_demo_city,
)
from grid_api.geography.areas import find_area_by_code
from grid_api.infra.passwords import PasswordService
from models.category import Category
from models.routing import RoutingRule
from models.unit import Unit


@pytest.fixture
def demo(db):
    load_demo_city(db, with_grid=False)
    load_demo_accounts(db, PasswordService(memory_kib=1024))
    load_demo_accounts(db, PasswordService(memory_kib=1024))  # idempotent


@pytest.mark.parametrize(("phone", "role"), [(phone, role) for phone, _, role in DEMO_ACCOUNTS])
def test_each_demo_account_signs_in_with_its_role(client, demo, phone, role):
    tokens = client.post("/api/v1/auth/login",
                         json={"phone": phone, "password": DEMO_PASSWORD}).get_json()
    me = client.get("/api/v1/me",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    assert me["roles"] == [role.value]
    if role.value == "supervisor":
        assert me["area"]["code"] == "330106"
    if role.value == "unit_staff":
        assert me["unit"]["name"] == "西湖区城市管理局"


def test_demo_district_routes_every_major_class_to_the_demo_unit(db, demo):
    area = find_area_by_code(db, DEMO_SUPERVISED_AREA)
    unit = db.execute(select(Unit).where(Unit.code == DEMO_UNIT[0])).scalar_one()
    routed = db.execute(select(func.count()).select_from(RoutingRule).where(
        RoutingRule.area_id == area.id, RoutingRule.unit_id == unit.id)).scalar()
    majors = db.execute(select(func.count()).select_from(Category).where(
        Category.parent_id.is_(None))).scalar()
    assert routed == majors == 12  # loading twice added none twice


def test_loading_the_demo_again_hashes_no_password(db, demo):
    """Every start of the system loads the demo; argon2 is for new accounts only."""

    class Counting(PasswordService):
        hashed = 0

        def hash(self, password: str) -> str:
            Counting.hashed += 1
            return super().hash(password)

    load_demo_accounts(db, Counting(memory_kib=1024))
    assert Counting.hashed == 0
