"""Category questions: admins define them, reports answer them, answers are checked by type
and kept with the case."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grid_api.categories import questions
from grid_api.errors import ValidationFailed
from grid_api.integrations import clients
from models.area import Area
from models.integration import ClientChannel, ClientOperation
from models.question import CategoryQuestion, QuestionType
from tests.factories import bearer, login, make_grid_tree, make_user

QUESTIONS = [
    {"code": "depth_cm", "datatype": "number", "required": True,
     "prompt_zh": "积水深度（厘米）", "prompt_en": "Water depth (cm)"},
    {"code": "since", "datatype": "datetime", "prompt_zh": "开始时间", "prompt_en": "Since"},
    {"code": "blocks", "datatype": "multivaluelist", "prompt_zh": "影响", "prompt_en": "Blocks",
     "choices": [{"key": "cars", "name_zh": "车辆", "name_en": "Cars"},
                 {"key": "people", "name_zh": "行人", "name_en": "People"}]},
    {"code": "note", "datatype": "string", "prompt_zh": "补充", "prompt_en": "Note"},
]


@pytest.fixture
def admin(client, db):
    return bearer(login(client, make_user(db, roles=("admin",))))


def test_admins_define_questions_everyone_reads_them(client, db, admin):
    response = client.put("/api/v1/categories/E0405/questions", json={"questions": QUESTIONS},
                          headers=admin)
    assert response.status_code == 200, response.get_json()
    listed = client.get("/api/v1/categories/E0405/questions").get_json()["questions"]
    assert [q["code"] for q in listed] == ["depth_cm", "since", "blocks", "note"]
    assert listed[0]["required"] is True
    assert listed[2]["choices"][1]["key"] == "people"
    client.put("/api/v1/categories/E0405/questions", json={"questions": QUESTIONS[:1]},
               headers=admin)
    assert len(client.get("/api/v1/categories/E0405/questions").get_json()["questions"]) == 1
    assert client.get("/api/v1/categories/X9999/questions").status_code == 404
    resident = bearer(login(client, make_user(db)))
    assert client.put("/api/v1/categories/E0405/questions", json={"questions": []},
                      headers=resident).status_code == 403


@pytest.mark.parametrize("bad", [
    [QUESTIONS[0], QUESTIONS[0]],
    [{**QUESTIONS[2], "choices": []}],
    [{**QUESTIONS[0], "choices": QUESTIONS[2]["choices"]}],
    [{**QUESTIONS[2], "choices": QUESTIONS[2]["choices"] * 2}],
    [{**QUESTIONS[0], "code": "has space"}],
    [{**QUESTIONS[0], "datatype": "colour"}],
])
def test_bad_question_lists_are_refused(client, db, admin, bad):
    response = client.put("/api/v1/categories/E0405/questions", json={"questions": bad},
                          headers=admin)
    assert response.status_code == 422, response.get_json()


def _questions(db):
    return questions.replace_questions(db, "E0405", [dict(q) for q in QUESTIONS])


def test_answers_are_checked_by_type(db):
    asked = _questions(db)
    assert questions.check_answers(asked, {
        "depth_cm": "12.5", "since": "2026-12-02T08:00:00+08:00", "blocks": ["cars", "cars"],
        "note": "桥下"}) == {"depth_cm": 12.5, "since": "2026-12-02T08:00:00+08:00",
                            "blocks": ["cars"], "note": "桥下"}
    assert questions.check_answers(asked, {"depth_cm": 30}) == {"depth_cm": 30}
    for answers, wrong in [({}, "depth_cm"), ({"depth_cm": "deep"}, "depth_cm"),
                           ({"depth_cm": "inf"}, "depth_cm"),
                           ({"depth_cm": "1", "since": "2026-12-02T08:00:00"}, "since"),
                           ({"depth_cm": "1", "blocks": ["boats"]}, "blocks"),
                           ({"depth_cm": ["1", "2"]}, "depth_cm"),
                           ({"depth_cm": "1", "note": "two\nlines"}, "note"),
                           ({"depth_cm": "1", "colour": "red"}, "colour"),
                           ({"depth_cm": "1", "since": "1999-12-31T23:59:59+00:00"}, "since"),
                           ({"depth_cm": "1", "since": "2100-01-01T07:59:59+08:00"}, None),
                           ({"depth_cm": "1", "since": "2100-01-01T08:00:00+08:00"}, "since"),
                           ({"depth_cm": "1", "since": "0001-01-01T00:00:00+14:00"}, "since"),
                           ({"depth_cm": "1", "since": "9999-12-31T23:59:59-14:00"}, "since")]:
        if wrong is None:
            assert questions.check_answers(asked, answers)["since"] == answers["since"]
            continue
        with pytest.raises(ValidationFailed) as refused:
            questions.check_answers(asked, answers)
        assert wrong in refused.value.errors
    assert {q.datatype for q in asked} <= set(QuestionType)


def test_work_orders_answer_and_the_answers_show_on_the_case(client, db):
    _questions(db)
    tree = make_grid_tree(db)
    lon, lat = db.execute(select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
                                 func.ST_Y(func.ST_PointOnSurface(Area.geom)))
                          .where(Area.id == tree["cells"][0].id)).one()
    _made, key = clients.create_client(
        db, name="12345", channel=ClientChannel.hotline,
        operations=[ClientOperation.workorders_submit.value], rate_limit="100 per minute")
    db.flush()
    order = {"order_number": "GD-Q1", "description": "桥洞积水", "category": "E0405",
             "location": {"type": "Point", "coordinates": [lon, lat]}}
    refused = client.post("/api/v1/workorders", headers={"X-API-Key": key},
                          json=order | {"answers": {"depth_cm": "deep"}})
    assert refused.status_code == 422
    assert "depth_cm" in refused.get_json()["errors"]["answers"]
    out_of_range = client.post("/api/v1/workorders", headers={"X-API-Key": key}, json=order | {
        "answers": {"depth_cm": 40, "since": "2100-01-01T08:00:00+08:00"}})
    assert out_of_range.get_json()["errors"] == {"answers": {"since": [
        "必须在 2000-01-01 与 2100-01-01 之间。"]}}
    filed = client.post("/api/v1/workorders", headers={"X-API-Key": key},
                        json=order | {"answers": {"depth_cm": 40, "blocks": ["cars"]}})
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["case_id"]
    supervisor = bearer(login(client, make_user(db, roles=("supervisor",),
                                                area=tree["district"])))
    shown = client.get(f"/api/v1/cases/{case_id}/answers", headers=supervisor)
    assert shown.get_json() == {"answers": {"depth_cm": 40, "blocks": ["cars"]}}
    stranger = bearer(login(client, make_user(db)))
    assert client.get(f"/api/v1/cases/{case_id}/answers", headers=stranger).status_code == 404
    assert db.execute(select(func.count()).select_from(CategoryQuestion)).scalar() == 4
