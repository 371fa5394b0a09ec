"""Date-times: every one a client sends is bounded in UTC, and no stored one breaks a read."""

import pytest
from marshmallow import fields
from sqlalchemy import text

from grid_api.web.fields import DateTimeInput
from tests.api.test_cases import _in_progress, act, report

BC = "0001-01-01T00:00:00+14:00"  # 0001-12-31 BC in UTC: PostgreSQL stores it
AFTER_10K = "9999-12-31T23:59:59-14:00"  # 10000-01-01 in UTC


@pytest.mark.parametrize("seen_at", [BC, AFTER_10K, "1999-12-31T23:59:59Z",
                                     "2099-12-31T20:00:00-05:00"])
def test_a_report_seen_outside_the_range_is_422(client, world, seen_at):
    response = report(client, world["resident"], seen_at=seen_at)
    assert response.status_code == 422
    assert response.get_json()["errors"]["seen_at"] == ["必须在 2000-01-01 与 2100-01-01 之间。"]


def test_an_offset_is_read_before_the_range_is_checked(client, world):
    response = report(client, world["resident"], seen_at="2000-01-01T07:00:00+08:00")
    assert response.status_code == 422  # 1999-12-31T23:00Z
    accepted = report(client, world["resident"], seen_at="2000-01-01T09:00:00+08:00")
    assert accepted.status_code == 201
    assert accepted.get_json()["seen_at"].startswith("2000-01-01T01:00:00")


@pytest.mark.parametrize("until", [AFTER_10K, BC, "2100-01-01T00:00:00Z"])
def test_an_extension_beyond_the_range_is_422(client, world, until):
    case_id = _in_progress(client, world)
    response = act(client, world["unit"], case_id, "extend", {"until": until, "note": "配件"},
                   **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["until"] == [
        "Must be between 2000-01-01 and 2100-01-01."]
    assert client.get("/api/v1/cases", headers=world["supervisor"].headers).status_code == 200


@pytest.mark.parametrize("bound", [BC, AFTER_10K])
def test_a_list_filter_outside_the_range_is_422(client, world, bound):
    response = client.get("/api/v1/cases", query_string={"created_from": bound},
                          headers=world["supervisor"].headers)
    assert response.status_code == 422
    assert "created_from" in response.get_json()["errors"]


def test_a_stored_timestamp_python_cannot_hold_breaks_no_read(client, db, world):
    """Rows written before inputs were bounded: lists, views and actions still work."""
    case_id = report(client, world["resident"]).get_json()["id"]
    db.execute(text("UPDATE cases SET seen_at = :bc, extension_requested_until = 'infinity' "
                    "WHERE id = :id"), {"bc": BC, "id": case_id})
    supervisor = world["supervisor"].headers
    listed = client.get("/api/v1/cases", headers=supervisor)
    assert listed.status_code == 200
    assert case_id in [item["id"] for item in listed.get_json()["items"]]
    shown = client.get(f"/api/v1/cases/{case_id}", headers=supervisor)
    assert shown.status_code == 200
    assert shown.get_json()["seen_at"].startswith("0001-01-02")
    assert act(client, world["supervisor"], case_id, "reject",
               {"reason": "invalid"}).status_code == 200


def _request_schemas(app):
    for view in app.view_functions.values():
        view_class = getattr(view, "view_class", None)
        methods = [getattr(view_class, m.lower()) for m in view_class.methods] if view_class \
            else [view]
        for method in methods:
            for parameter in getattr(method, "_apidoc", {}).get("arguments", {}).get(
                    "parameters", []):
                yield parameter["schema"]


def _datetime_fields(schema, path=""):
    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from _datetime_fields(inner.schema, f"{path}{name}.")
        elif isinstance(inner, fields.DateTime | fields.Date):
            yield f"{path}{name}", inner


def test_every_date_time_input_is_bounded(app):
    """A request schema with a date-time field that is not the bounded one fails here."""
    found = {}
    for declared in _request_schemas(app):
        schema = declared() if isinstance(declared, type) else declared
        for path, field in _datetime_fields(schema):
            found[f"{type(schema).__name__}.{path}"] = field
    assert {"CaseCreateSchema.seen_at", "ExtensionRequestSchema.until",
            "CaseListArgsSchema.created_from"} <= set(found)
    unbounded = sorted(p for p, f in found.items()
                       if isinstance(f, fields.DateTime) and not isinstance(f, DateTimeInput))
    assert unbounded == []


@pytest.mark.parametrize("taken", ["0001:01:01 00:00:00", "9999:12:31 23:59:59",
                                   "1970:01:01 00:00:00"])
def test_a_photo_clock_outside_the_range_is_no_evidence(client, world, photo, taken):
    case_id = report(client, world["resident"]).get_json()["id"]
    uploaded = client.post(f"/api/v1/cases/{case_id}/attachments",
                           data={"file": (photo(taken=taken), "p.jpg"), "purpose": "report"},
                           headers=world["resident"].headers)
    assert uploaded.status_code == 201
    staff = client.get(f"/api/v1/cases/{case_id}/attachments",
                       headers=world["supervisor"].headers).get_json()["items"][0]
    assert staff["exif"]["taken_at"] is None
