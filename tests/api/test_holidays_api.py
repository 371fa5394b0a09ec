"""An admin loads a year's holidays over the API; a year without data is a localized 422."""

from grid_api.working_time.holidays import covered_years
from tests.factories import bearer, login, make_user


def test_an_admin_loads_the_years_holidays(client, db):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    response = client.post("/api/v1/calendar/holidays?year=2026", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["holidays"], body["make_up_days"]) == (19, 6)
    assert body["source"].startswith("chinesecalendar ")
    listed = client.get("/api/v1/calendar?year=2026", headers=admin).get_json()["items"]
    assert {"day": "2026-10-10", "working": True, "note": "国庆节调休上班"} in listed


def test_a_year_without_published_data_is_a_422_that_says_which_years_are_known(client, db):
    admin = bearer(login(client, make_user(db, roles=("admin",))))
    response = client.post("/api/v1/calendar/holidays?year=2099",
                           headers={**admin, "Accept-Language": "en"})
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("holidays_not_published")
    assert "2099" in problem["detail"]
    first, last = covered_years()
    assert f"{first}–{last}" in problem["detail"]
