"""Category questions answered in our own reports: checked against the definitions by the
same code as Open311's attributes and the hotline's work orders, required ones enforced,
refused per question in zh-CN and en, shown in the case and in exports."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from grid_api.categories import questions
from grid_api.evaluation import exports
from grid_api.infra.storage import LocalStorage
from models.question import CaseAnswers
from tests.api.test_cases import report

QUESTIONS = [
    {"code": "area_m2", "datatype": "number", "required": True,
     "prompt_zh": "面积（平方米）", "prompt_en": "Area (m²)"},
    {"code": "since", "datatype": "datetime", "prompt_zh": "开始时间", "prompt_en": "Since"},
    {"code": "kinds", "datatype": "multivaluelist", "prompt_zh": "垃圾种类",
     "prompt_en": "Kinds", "choices": [
         {"key": "leaves", "name_zh": "落叶", "name_en": "Leaves"},
         {"key": "bags", "name_zh": "垃圾袋", "name_en": "Bags"}]},
    {"code": "surface", "datatype": "singlevaluelist", "prompt_zh": "路面",
     "prompt_en": "Surface", "choices": [
         {"key": "asphalt", "name_zh": "沥青", "name_en": "Asphalt"}]},
]
GOOD = {"area_m2": 12.5, "since": "2026-12-02T07:30:00+08:00", "kinds": ["leaves", "bags"],
        "surface": "asphalt"}


@pytest.fixture(autouse=True)
def asked(db):
    """E0104 (the reports' category) asks four questions, one of them required."""
    return questions.replace_questions(db, "E0104", [dict(q) for q in QUESTIONS])


def test_a_report_answers_and_the_case_shows_the_answers(client, db, world):
    filed = report(client, world["resident"], answers=GOOD)
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert case["answers"] == GOOD
    assert db.get(CaseAnswers, case["id"]).answers == GOOD
    shown = client.get(f"/api/v1/cases/{case['id']}", headers=world["resident"].headers)
    assert shown.get_json()["answers"] == GOOD
    staff = client.get(f"/api/v1/cases/{case['id']}", headers=world["supervisor"].headers)
    assert staff.get_json()["answers"] == GOOD
    listed = client.get("/api/v1/cases?mine=true", headers=world["resident"].headers)
    assert "answers" not in listed.get_json()["items"][0]  # the detail's, not the list's


def test_someone_elses_case_does_not_show_its_answers(client, world):
    case_id = report(client, world["worker"], answers=GOOD).get_json()["id"]  # registered
    shown = client.get(f"/api/v1/cases/{case_id}", headers=world["neighbour"].headers)
    assert shown.status_code == 200
    assert shown.get_json()["redacted"] is True
    assert "answers" not in shown.get_json()


@pytest.mark.parametrize("case", [
    ({}, "area_m2", "缺少必填字段。", "Missing data for required field."),
    ({"area_m2": "lots"}, "area_m2", "取值无效。", "Invalid value."),
    ({"area_m2": True}, "area_m2", "只能填一个值。", "Give one value."),
    ({"area_m2": 3, "kinds": ["boats"]}, "kinds", "必须是给定的选项之一。",
     "Must be among the choices."),
    ({"area_m2": 3, "surface": "gravel"}, "surface", "必须是给定的选项之一。",
     "Must be among the choices."),
    ({"area_m2": 3, "colour": "red"}, "colour", "没有这个问题。", "Unknown question."),
    ({"area_m2": 3, "since": "2026-12-02T07:30:00"}, "since", "须带时区。",
     "Needs a time zone."),
    ({"area_m2": 3, "since": "1999-12-31T23:59:59+00:00"}, "since",
     "必须在 2000-01-01 与 2100-01-01 之间。", "Must be between 2000-01-01 and 2100-01-01."),
    ({"area_m2": 3, "since": "2100-01-01T00:00:00Z"}, "since",
     "必须在 2000-01-01 与 2100-01-01 之间。", "Must be between 2000-01-01 and 2100-01-01."),
    ({"area_m2": 3, "since": "0001-01-01T00:00:00+14:00"}, "since",
     "必须在 2000-01-01 与 2100-01-01 之间。", "Must be between 2000-01-01 and 2100-01-01."),
])
def test_wrong_or_missing_answers_are_refused_per_question(client, db, world, case):
    answers, question, zh, en = case
    before = db.execute(select(CaseAnswers.case_id)).all()
    refused = report(client, world["resident"], answers=answers)
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    problem = refused.get_json()
    assert problem["detail"] == "问题的回答有误"
    assert problem["type"].endswith("invalid_answers")
    assert problem["errors"] == {"answers": {question: [zh]}}
    english = client.post("/api/v1/cases", headers={**world["resident"].headers,
                                                    "Accept-Language": "en"},
                          json={"category": "E0104", "description": "人行道上有落叶",
                                "location": {"type": "Point",
                                             "coordinates": [120.1010, 30.2090]},
                                "answers": answers})
    assert english.status_code == 422
    assert english.get_json()["errors"] == {"answers": {question: [en]}}
    assert db.execute(select(CaseAnswers.case_id)).all() == before


def test_a_category_without_questions_takes_no_answers(client, world):
    assert report(client, world["resident"], category="E0105").status_code == 201
    refused = report(client, world["resident"], category="E0105", answers={"area_m2": 3})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"answers": {"area_m2": ["没有这个问题。"]}}


@pytest.mark.parametrize("answers", [["area_m2"], "area_m2=3", {"x" * 41: "1"},
                                     {f"q{i}": "1" for i in range(51)}])
def test_answers_that_are_not_a_small_mapping_are_refused(client, world, answers):
    refused = report(client, world["resident"], answers=answers)
    assert refused.status_code == 422
    assert "answers" in refused.get_json()["errors"]


def test_answers_travel_with_an_offline_report(client, db, world):
    body = {"category": "E0104", "description": "离线上报",
            "location": {"type": "Point", "coordinates": [120.1010, 30.2090]}}
    response = client.post("/api/v1/sync", headers=world["worker"].headers, json={
        "operations": [
            {"op_id": "a1", "type": "report", "body": body | {"answers": GOOD}},
            {"op_id": "a2", "type": "report", "body": body | {"answers": {"kinds": []}}}]})
    assert response.status_code == 200, response.get_json()
    first, second = response.get_json()["results"]
    assert first["status"] == 201, first
    assert first["result"]["answers"] == GOOD
    assert db.get(CaseAnswers, first["result"]["id"]).answers == GOOD
    assert second["status"] == 422
    assert second["problem"]["errors"] == {"answers": {"area_m2": ["缺少必填字段。"]}}


def test_exports_carry_the_answers(app, client, db, world):
    assert report(client, world["worker"], answers=GOOD).status_code == 201
    assert report(client, world["worker"], category="E0105").status_code == 201
    storage = LocalStorage(app.config["GRID_SETTINGS"].storage_dir)
    written = {}
    for fmt in ("csv", "geojson"):
        asked = client.post("/api/v1/exports", headers=world["supervisor"].headers, json={
            "kind": "cases", "format": fmt, "params": {"from": "2026-01-01",
                                                       "to": "2026-12-31"}})
        assert asked.status_code == 202, asked.get_json()
        exports.run_export(db, storage, asked.get_json()["id"],
                           zone=ZoneInfo("Asia/Shanghai"), ttl=timedelta(hours=1),
                           report=lambda *_: None)
        db.flush()
        written[fmt] = client.get(f"/api/v1/exports/{asked.get_json()['id']}/file",
                                  headers=world["supervisor"].headers).data
    rows = list(csv.DictReader(written["csv"].decode("utf-8-sig").splitlines()))
    assert sorted((json.loads(row["answers"]) if row["answers"] else None for row in rows),
                  key=bool) == [None, GOOD]
    features = json.loads(written["geojson"])["features"]
    assert sorted((f["properties"]["answers"] for f in features), key=bool) == [None, GOOD]
