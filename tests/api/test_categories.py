"""Admins manage the taxonomy; time limits stay within what the working calendar counts."""

import pytest

NEW = {"code": "E0199", "name_zh": "测试小类", "name_en": "Test class"}


def test_admin_adds_a_minor_class_with_its_limits(client, world):
    limits = {"register": {"value": 2, "unit": "working_hours"},
              "handle": {"value": 3, "unit": "working_days"}}
    response = client.post("/api/v1/categories", headers=world["admin"].headers,
                           json={**NEW, "time_limits": limits})
    assert response.status_code == 201
    assert response.get_json()["time_limits"] == limits


@pytest.mark.parametrize("limit", [
    {"value": 100_000, "unit": "working_hours"},  # beyond what the calendar counts
    {"value": 251, "unit": "working_days"},
    {"value": 0.5, "unit": "working_days"},  # days are whole
    {"value": True, "unit": "working_hours"},
    {"value": 0, "unit": "working_hours"},
    {"value": 4, "unit": "hours"},
])
def test_limits_a_typo_would_break_are_422(client, world, limit):
    response = client.post("/api/v1/categories", headers=world["admin"].headers,
                           json={**NEW, "time_limits": {"handle": limit}})
    assert response.status_code == 422
    assert "time_limits" in response.get_json()["errors"]
