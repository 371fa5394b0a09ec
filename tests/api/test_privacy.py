"""Privacy by category: a sensitive case shows the public its grid cell's centre and no text,
in every public answer; account deletion erases the person and keeps the case."""

import json

from sqlalchemy import func, select

from models.area import Area
from models.case import Case
from models.follow import CaseFollower
from tests.api.test_cases import POINT, act, report
from tests.api.test_photos import _upload
from tests.factories import PASSWORD

SECRET = "张三家的狗每晚叫到凌晨，住 3 单元 502"
ADDRESS = "文三路 88 号 3 单元"


def _centre(db, cell):
    return list(db.execute(select(func.ST_X(func.ST_Centroid(Area.geom)),
                                  func.ST_Y(func.ST_Centroid(Area.geom)))
                           .where(Area.id == cell.id)).one())


def _sensitive_case(client, world):
    created = report(client, world["worker"], category="E0602", description=SECRET,
                     address=ADDRESS)  # 邻里纠纷: sensitive; a worker's report is public at once
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def _public_answers(client, world, case_id):
    headers = world["neighbour"].headers
    near = f"lon={POINT[0]}&lat={POINT[1]}&radius_m=2000"
    return {
        "detail": client.get(f"/api/v1/cases/{case_id}", headers=headers),
        "list": client.get("/api/v1/cases", headers=headers),
        "nearby": client.get(f"/api/v1/cases/nearby?{near}", headers=headers),
        "events": client.get(f"/api/v1/cases/{case_id}/events", headers=headers),
        "following": client.get("/api/v1/me/following", headers=headers),
    }


def test_a_sensitive_case_shows_the_public_only_its_cell_centre(client, db, world):
    case = _sensitive_case(client, world)
    assert case["description"] == SECRET  # the reporter sees it all
    assert client.put(f"/api/v1/cases/{case['id']}/follow",
                      headers=world["neighbour"].headers).status_code == 200
    centre = _centre(db, world["cells"][0])
    answers = _public_answers(client, world, case["id"])
    for name, answer in answers.items():
        assert answer.status_code == 200, name
        text = answer.get_data(as_text=True)
        assert SECRET not in text, name
        assert ADDRESS not in text, name
        assert str(POINT[0]) not in text, name
        assert str(POINT[1]) not in text, name
    detail = answers["detail"].get_json()
    assert detail["location_precision"] == "grid_cell"
    assert detail["location"]["coordinates"] == centre
    assert (detail["description"], detail["address"]) == (None, None)
    listed = answers["list"].get_json()["items"]
    assert [item["location"]["coordinates"] for item in listed] == [centre]
    nearby = answers["nearby"].get_json()["items"][0]
    assert nearby["location"]["coordinates"] == centre
    exact_distance = db.execute(select(func.ST_Distance(
        func.Geography(Case.location), func.Geography(func.ST_SetSRID(
            func.ST_MakePoint(*POINT), 4326)))).where(Case.id == case["id"])).scalar()
    assert nearby["distance_m"] != round(exact_distance, 1)  # measured to the centre
    staff = client.get(f"/api/v1/cases/{case['id']}", headers=world["supervisor"].headers)
    assert staff.get_json()["description"] == SECRET
    assert staff.get_json()["location"]["coordinates"] == POINT


def test_a_box_around_the_point_does_not_find_a_sensitive_case(client, db, world):
    case = _sensitive_case(client, world)
    centre = _centre(db, world["cells"][0])
    assert abs(centre[0] - POINT[0]) > 0.0005 or abs(centre[1] - POINT[1]) > 0.0005
    tight = f"{POINT[0] - 0.0002},{POINT[1] - 0.0002},{POINT[0] + 0.0002},{POINT[1] + 0.0002}"
    around_centre = (f"{centre[0] - 0.0002},{centre[1] - 0.0002},"
                     f"{centre[0] + 0.0002},{centre[1] + 0.0002}")

    def found(who, bbox):
        items = client.get(f"/api/v1/cases?bbox={bbox}", headers=world[who].headers)
        return [item["id"] for item in items.get_json()["items"]]

    assert found("neighbour", tight) == []
    assert found("neighbour", around_centre) == [case["id"]]
    assert found("supervisor", tight) == [case["id"]]


def test_marking_a_category_sensitive_covers_its_existing_cases(client, db, world):
    case_id = report(client, world["worker"]).get_json()["id"]  # E0104, not sensitive
    before = client.get(f"/api/v1/cases/{case_id}", headers=world["neighbour"].headers)
    assert before.get_json()["location"]["coordinates"] == POINT
    changed = client.patch("/api/v1/categories/E0104", json={"sensitive": True},
                           headers=world["admin"].headers)
    assert changed.get_json()["sensitive"] is True
    after = client.get(f"/api/v1/cases/{case_id}", headers=world["neighbour"].headers).get_json()
    assert after["location"]["coordinates"] == _centre(db, world["cells"][0])
    assert after["description"] is None
    listed = client.get("/api/v1/categories").get_json()["items"]
    assert {c["code"]: c["sensitive"] for c in listed}["E0602"] is True


def test_account_deletion_erases_the_person_and_keeps_the_case(client, db, world):
    resident = world["resident"]
    case_id = report(client, resident, description="路灯不亮").get_json()["id"]
    act(client, world["supervisor"], case_id, "register")
    other = report(client, world["worker"]).get_json()["id"]
    client.put(f"/api/v1/cases/{other}/follow", headers=resident.headers)
    client.post("/api/v1/devices", json={"token": "t" * 40, "platform": "android"},
                headers=resident.headers)
    wrong = client.post("/api/v1/me/deletion", json={"password": "not-it"},
                        headers=resident.headers)
    assert wrong.status_code == 401
    gone = client.post("/api/v1/me/deletion", json={"password": PASSWORD},
                       headers=resident.headers)
    assert gone.status_code == 204
    assert client.get("/api/v1/me", headers=resident.headers).status_code == 401
    login = client.post("/api/v1/auth/login", json={"phone": resident.user.phone,
                                                    "password": PASSWORD})
    assert login.status_code == 401
    staff = client.get(f"/api/v1/cases/{case_id}", headers=world["supervisor"].headers)
    assert staff.status_code == 200
    body = staff.get_json()
    assert body["description"] == "路灯不亮"
    assert body["reporter"]["display_name"] == "已注销用户"
    assert resident.user.phone not in json.dumps(body)
    assert db.execute(select(CaseFollower).where(
        CaseFollower.user_id == resident.user.id)).first() is None
    again = client.post("/api/v1/auth/register", json={
        "phone": resident.user.phone, "password": "Another2026pass", "display_name": "新用户"})
    assert again.status_code == 201


def test_staff_accounts_are_not_deleted_by_their_owners(client, world):
    refused = client.post("/api/v1/me/deletion", json={"password": PASSWORD},
                          headers=world["worker"].headers)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_a_sensitive_cases_photos_stay_with_its_full_viewers(client, world, photo):
    case_id = _sensitive_case(client, world)["id"]
    attachment = _upload(client, world["worker"], case_id, photo()).get_json()
    published = client.put(f"{attachment['url']}/publishable", json={"publishable": True},
                           headers=world["supervisor"].headers)
    assert published.status_code == 200
    listed = client.get(f"/api/v1/cases/{case_id}/attachments",
                        headers=world["neighbour"].headers).get_json()["items"]
    assert listed == []
    assert client.get(attachment["url"], headers=world["neighbour"].headers).status_code == 404
    assert client.get(attachment["url"], headers=world["supervisor"].headers).status_code == 200
