"""Work per request is bounded before validation, and so is the size of the answer."""

import json
import time

import pytest

from grid_api.web.json_limits import MAX_ERROR_MESSAGES, shape_violation


def _login(client, body: str):
    return client.post("/api/v1/auth/login", data=body, content_type="application/json",
                       headers={"Accept-Language": "en"})


def test_a_login_with_a_flood_of_unknown_keys_is_refused_cheaply(client):
    body = json.dumps({f"k{i}": 0 for i in range(200_000)})
    started = time.monotonic()
    response = _login(client, body)
    elapsed = time.monotonic() - started
    assert response.status_code == 413
    problem = response.get_json()
    assert problem["type"] == "urn:grid-api:problem:body_too_complex"
    assert problem["detail"] == "The request body is too complex (object_keys over the limit " \
                                "of 256)"
    assert len(response.data) < 2000
    assert elapsed < 5  # not a timing target: far below the 13 s this once took


@pytest.mark.parametrize(("body", "bound"), [
    ('{"phone": "13800000001", "x": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}", "depth"),
    ('{"phone": "13800000001", "x": [' + ",".join(["0"] * 1_000_001) + "]}", "array_items"),
    ("[" + ",".join(json.dumps({f"k{i}": 0 for i in range(200)}) for _ in range(300)) + "]",
     "keys"),
])
def test_bodies_too_deep_or_too_large_in_members_are_413(client, body, bound):
    response = _login(client, body)
    assert response.status_code == 413
    assert f"({bound} over" in response.get_json()["detail"]


def test_validation_errors_are_capped(client, world):
    cell = world["cells"][0].id
    response = client.put(f"/api/v1/grids/{cell}/workers", json={"user_ids": ["x"] * 20_000},
                          headers=world["admin"].headers)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["errors_truncated"] is True
    assert len(problem["errors"]["user_ids"]) == MAX_ERROR_MESSAGES
    assert len(response.data) < 10_000


def test_a_long_field_name_is_cut_in_the_answer(client):
    response = _login(client, json.dumps({"k" * 100_000: 1}))
    assert response.status_code == 422
    keys = [key for key in response.get_json()["errors"] if key.startswith("kkk")]
    assert keys == ["k" * 200 + "…"]


def test_a_large_surveyed_boundary_is_within_bounds():
    ring = [[120.0 + i * 1e-6, 30.0] for i in range(300_000)]
    feature = {"type": "Feature", "properties": {f"p{i}": i for i in range(100)},
               "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]}}
    assert shape_violation({"type": "FeatureCollection", "features": [feature] * 300}) is None
