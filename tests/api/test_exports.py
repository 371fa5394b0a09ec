"""Exports: asked over the API, written by the job, downloaded by the asker alone."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update

from grid_api.evaluation import exports
from grid_api.infra.storage import LocalStorage
from models.case import Case
from models.export import Export
from tests.api.test_cases import report

PARAMS = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture
def written(app, client, db, world):
    """Ask for an export as the supervisor and run its job; returns (export id, body)."""
    for _ in range(3):
        assert report(client, world["worker"]).status_code == 201
    storage = LocalStorage(app.config["GRID_SETTINGS"].storage_dir)
    progress = []

    def write(kind="cases", fmt="csv", params=PARAMS):
        asked = client.post("/api/v1/exports", headers=world["supervisor"].headers,
                            json={"kind": kind, "format": fmt, "params": params})
        assert asked.status_code == 202, asked.get_json()
        assert asked.get_json()["status"] == "queued"
        export_id = asked.get_json()["id"]
        exports.run_export(db, storage, export_id, zone=ZoneInfo("Asia/Shanghai"),
                           ttl=timedelta(hours=72), report=lambda *args: progress.append(args))
        db.flush()
        file = client.get(f"/api/v1/exports/{export_id}/file",
                          headers=world["supervisor"].headers)
        assert file.status_code == 200, file.get_json()
        return export_id, file.data

    return write


def test_a_case_list_as_csv_that_excel_reads(client, world, written):
    export_id, data = written()
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,status,source,urgent,category,category_name")
    assert len(lines) == 4
    assert "道路不洁" in lines[1]
    shown = client.get(f"/api/v1/exports/{export_id}", headers=world["supervisor"].headers)
    assert (shown.get_json()["status"], shown.get_json()["rows_total"]) == ("done", 3)


def test_xlsx_says_what_the_csv_says(db, written):
    """The XLSX rows are written by PostgreSQL as XML: awkward text comes through intact
    (less the control characters XML cannot hold), numbers stay numbers."""
    db.execute(update(Case).values(address="井盖<缺失> & \\ 换行\n制表\t控制\x01字符"))
    db.flush()
    _id, data = written(fmt="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheet = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    _id, data = written(fmt="csv")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert sheet[0] == table[0] == list(exports.CASE_COLUMNS)
    assert len(sheet) == len(table) == 4
    for cells, fields in zip(sheet[1:], table[1:], strict=True):
        expected = [None if field == "" else field.replace("\x01", "") for field in fields]
        numbers = [table[0].index(name) for name in exports.NUMBER_COLUMNS]
        for index in numbers:
            expected[index] = None if fields[index] == "" else float(fields[index])
        assert cells == expected
    assert sheet[1][table[0].index("address")] == "井盖<缺失> & \\ 换行\n制表\t控制字符"
    assert "道路不洁" in sheet[1]


def test_geojson(written):
    _id, data = written(fmt="geojson")
    collection = json.loads(data)
    assert len(collection["features"]) == 3
    assert collection["features"][0]["geometry"]["type"] == "Point"


def test_an_indicator_table(written):
    _id, data = written(kind="indicators", params={**PARAMS, "group_by": "month"})
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("key,name,reported,valid")
    assert len(lines) == 2
    _id, data = written(kind="indicators", fmt="xlsx", params={**PARAMS, "group_by": "month"})
    sheet = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
                 .iter_rows(values_only=True))
    assert sheet[0][:4] == ("key", "name", "reported", "valid")
    assert len(sheet) == 2
    assert sheet[1][2] == 3  # reported: a number, not text


def test_only_the_asker_downloads_and_only_until_it_expires(client, db, world, written):
    export_id, _data = written()
    for other in ("admin", "far_supervisor"):
        assert client.get(f"/api/v1/exports/{export_id}",
                          headers=world[other].headers).status_code == 404
        assert client.get(f"/api/v1/exports/{export_id}/file",
                          headers=world[other].headers).status_code == 404
    db.get(Export, export_id).expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.flush()
    expired = client.get(f"/api/v1/exports/{export_id}/file",
                         headers=world["supervisor"].headers)
    assert expired.status_code == 410


def test_not_ready_and_bad_requests(client, world):
    asked = client.post("/api/v1/exports", headers=world["supervisor"].headers,
                        json={"kind": "cases", "format": "csv", "params": PARAMS})
    waiting = client.get(f"/api/v1/exports/{asked.get_json()['id']}/file",
                         headers=world["supervisor"].headers)
    assert waiting.status_code == 409
    for body in ({"kind": "cases", "format": "pdf", "params": PARAMS},
                 {"kind": "indicators", "format": "geojson", "params": PARAMS},
                 {"kind": "cases", "format": "csv",
                  "params": {"from": "2024-01-01", "to": "2026-01-01"}},
                 {"kind": "cases", "format": "csv", "params": {"from": "2026-01-01"}}):
        response = client.post("/api/v1/exports", headers=world["supervisor"].headers,
                               json=body)
        assert response.status_code == 422, body
    assert client.post("/api/v1/exports", headers=world["resident"].headers,
                       json={"kind": "cases", "format": "csv", "params": PARAMS}
                       ).status_code == 403


def test_case_csv_is_written_by_copy_in_the_citys_time(written):
    _id, data = written(params={**PARAMS, "source": ["grid_worker"]})
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row["source"] for row in rows} == {"grid_worker"}
    assert {row["urgent"] for row in rows} == {"false"}
    created = datetime.fromisoformat(rows[0]["created_at"])
    assert created.utcoffset() == timedelta(hours=8)
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=5)
    assert float(rows[0]["lon"]) > 0
    assert float(rows[0]["lat"]) > 0


def test_a_case_csv_filtered_to_nothing_still_has_its_header(written):
    _id, data = written(params={**PARAMS, "source": ["media"]})
    lines = data.decode("utf-8-sig").splitlines()
    assert lines == [",".join(exports.CASE_COLUMNS)]
