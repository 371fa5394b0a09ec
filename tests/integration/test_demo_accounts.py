"""The demo accounts printed by the run command sign in, one per role."""

import pytest

from grid_api.passwords import PasswordService
from grid_api.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_accounts, load_demo_city


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
