"""Admin account management: staff with scopes, listing with cursors, disabling."""

import pytest

from models.area import AreaLevel
from tests.factories import PASSWORD, bearer, login, make_area, make_unit, make_user


@pytest.fixture
def admin_headers(client, db):
    return bearer(login(client, make_user(db, roles=("admin",))))


def _create(client, headers, **body):
    payload = {"phone": "13600001234", "password": "Staff2026go", "display_name": "张网格"}
    payload.update(body)
    return client.post("/api/v1/users", json=payload, headers=headers)


def test_admin_creates_a_grid_worker_with_cells(client, db, admin_headers):
    district = make_area(db)
    cell = make_area(db, level=AreaLevel.grid, parent=district)
    response = _create(client, admin_headers, roles=["grid_worker"], grid_ids=[cell.id])
    assert response.status_code == 201
    created = response.get_json()
    assert created["grid_ids"] == [cell.id]
    worker = {"phone": created["phone"], "password": "Staff2026go"}
    tokens = client.post("/api/v1/auth/login", json=worker).get_json()
    me = client.get("/api/v1/me", headers=bearer(tokens)).get_json()
    assert me["roles"] == ["grid_worker"]
    assert [c["code"] for c in me["grid_cells"]] == [cell.code]


def test_staff_scopes_are_required_and_checked(client, db, admin_headers):
    district = make_area(db)
    response = _create(client, admin_headers, roles=["unit_staff", "supervisor"],
                       grid_ids=[district.id])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors == {
        "unit_id": ["处置单位人员必须指定所属单位。"],
        "area_id": ["监督指挥人员必须指定管辖区域。"],
        "grid_ids": [f"不是单元网格：{district.id}"],
    }


def test_several_roles_with_their_scopes(client, db, admin_headers):
    unit = make_unit(db)
    area = make_area(db)
    response = _create(client, admin_headers, roles=["unit_staff", "supervisor"],
                       unit_id=unit.id, area_id=area.id)
    assert response.status_code == 201
    assert sorted(response.get_json()["roles"]) == ["supervisor", "unit_staff"]


def test_unknown_role_is_422(client, admin_headers):
    response = _create(client, admin_headers, roles=["mayor"])
    assert response.status_code == 422
    assert "roles" in response.get_json()["errors"]


def test_list_pages_with_a_cursor_and_filters(client, db, admin_headers):
    for _ in range(5):
        make_user(db, roles=("grid_worker",), display_name="巡查员")
    first = client.get("/api/v1/users?role=grid_worker&limit=3", headers=admin_headers)
    page = first.get_json()
    assert len(page["items"]) == 3
    second = client.get(f"/api/v1/users?role=grid_worker&limit=3&cursor={page['next_cursor']}",
                        headers=admin_headers).get_json()
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    ids = [u["id"] for u in page["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    assert client.get("/api/v1/users?q=巡查", headers=admin_headers).get_json()["items"]


def test_bad_cursor_is_422(client, admin_headers):
    response = client.get("/api/v1/users?cursor=%%%", headers=admin_headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"cursor": ["分页游标无效。"]}


def test_disabling_ends_every_session(client, db, admin_headers):
    user = make_user(db)
    tokens = login(client, user)
    response = client.patch(f"/api/v1/users/{user.id}", json={"disabled": True},
                            headers=admin_headers)
    assert response.status_code == 200
    assert response.get_json()["disabled"] is True
    assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 401
    client.patch(f"/api/v1/users/{user.id}", json={"disabled": False}, headers=admin_headers)
    login(client, user, PASSWORD)


def test_removing_a_role_ends_sessions_and_narrows_me(client, db, admin_headers):
    unit = make_unit(db)
    user = make_user(db, roles=("unit_staff", "resident"), unit=unit)
    tokens = login(client, user)
    client.patch(f"/api/v1/users/{user.id}", json={"roles": ["resident"], "unit_id": None},
                 headers=admin_headers)
    assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(login(client, user))).get_json()["roles"] == [
        "resident"]


def test_unknown_user_is_404(client, admin_headers):
    assert client.get("/api/v1/users/999999", headers=admin_headers).status_code == 404
    assert client.patch("/api/v1/users/999999", json={"display_name": "x"},
                        headers=admin_headers).status_code == 404


def test_the_last_active_admin_cannot_be_disabled_or_demoted(client, db):
    admin = make_user(db, roles=("admin",))
    headers = bearer(login(client, admin))
    own = f"/api/v1/users/{admin.id}"
    for change in ({"disabled": True}, {"roles": ["resident"]}):
        refused = client.patch(own, json=change, headers=headers)
        assert refused.status_code == 409, change
        assert refused.get_json()["type"] == "urn:grid-api:problem:last_admin"
    second = make_user(db, roles=("admin", "supervisor"), area=make_area(db))
    assert client.patch(own, json={"disabled": True}, headers=headers).status_code == 200
    second_headers = bearer(login(client, second))
    assert client.patch(f"/api/v1/users/{second.id}", json={"roles": ["supervisor"]},
                        headers=second_headers).status_code == 409
    assert client.patch(own, json={"disabled": False},
                        headers=second_headers).status_code == 200
    assert client.patch(f"/api/v1/users/{second.id}", json={"roles": ["supervisor"]},
                        headers=second_headers).status_code == 200
