"""Photos on an S3 store: downloads by redirect after the permission check, and an upload
that meets a dead store is a retryable 503 that leaves nothing half-written."""

from __future__ import annotations

import os
import signal
import threading

import pytest
import urllib3
from sqlalchemy import func, select

from devenv.seaweed import SeaweedServer
from devenv.services import free_port
from grid_api.infra.storage import S3Storage
from models.attachment import Attachment
from tests.api.test_cases import report
from tests.integration.test_storage import s3_storage


def _upload(client, who, case_id, file):
    return client.post(f"/api/v1/cases/{case_id}/attachments",
                       data={"file": (file, "photo.jpg"), "purpose": "report"},
                       headers=who.headers)


def _attachments(db, case_id) -> int:
    return db.execute(select(func.count()).select_from(Attachment)
                      .where(Attachment.case_id == case_id)).scalar_one()


@pytest.fixture
def on_s3(app, seaweedfs, monkeypatch):
    storage = s3_storage(seaweedfs)
    monkeypatch.setitem(app.extensions, "grid_storage", storage)
    return storage


def test_download_is_a_redirect_to_a_short_lived_url(client, world, photo, on_s3):
    case_id = report(client, world["resident"]).get_json()["id"]
    uploaded = _upload(client, world["resident"], case_id, photo(colour="olive")).get_json()
    answer = client.get(uploaded["url"], headers=world["supervisor"].headers)
    assert answer.status_code == 302
    assert "no-store" in answer.headers["Cache-Control"]
    location = answer.headers["Location"]
    assert "X-Amz-Expires=300" in location
    fetched = urllib3.request("GET", location)
    assert (fetched.status, fetched.headers["Content-Type"]) == (200, "image/jpeg")
    assert fetched.data[:2] == b"\xff\xd8"


def test_no_redirect_without_permission(client, world, photo, on_s3):
    case_id = report(client, world["resident"]).get_json()["id"]
    uploaded = _upload(client, world["resident"], case_id, photo(colour="navy")).get_json()
    refused = client.get(uploaded["url"], headers=world["neighbour"].headers)
    assert refused.status_code == 404
    assert "Location" not in refused.headers


@pytest.fixture
def own_store(app, tmp_path, monkeypatch):
    """A store of this test alone, so it can be killed and started again."""
    server = SeaweedServer(tmp_path / "seaweedfs").start()
    monkeypatch.setitem(app.extensions, "grid_storage", s3_storage(server))
    yield server
    server.kill()


def test_store_killed_during_an_upload(client, db, world, photo, own_store):
    case_id = report(client, world["resident"]).get_json()["id"]
    os.kill(own_store.pid(), signal.SIGSTOP)  # the store hangs with the upload in flight …
    killer = threading.Timer(1.0, own_store.kill)  # … and then dies
    killer.start()
    failed = _upload(client, world["resident"], case_id, photo(colour="teal"))
    killer.join()
    assert failed.status_code == 503
    problem = failed.get_json()
    assert problem["type"].endswith("storage_unavailable")
    assert problem["retryable"] is True
    assert int(failed.headers["Retry-After"]) > 0
    assert _attachments(db, case_id) == 0  # no half-written attachment

    own_store.start()  # the store is back: the app retries
    first = _upload(client, world["resident"], case_id, photo(colour="teal"))
    again = _upload(client, world["resident"], case_id, photo(colour="teal"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert _attachments(db, case_id) == 1
    download = client.get(first.get_json()["url"], headers=world["resident"].headers)
    assert urllib3.request("GET", download.headers["Location"]).status == 200


def test_store_error_message_is_localized(client, world, photo, app, monkeypatch):
    dead = S3Storage(endpoint_url=f"http://127.0.0.1:{free_port()}", bucket="b",
                     access_key_id="k", secret_access_key="s", connect_timeout=1, max_attempts=1)
    monkeypatch.setitem(app.extensions, "grid_storage", dead)
    case_id = report(client, world["resident"]).get_json()["id"]
    zh = _upload(client, world["resident"], case_id, photo(colour="lime"))
    en = client.post(f"/api/v1/cases/{case_id}/attachments",
                     data={"file": (photo(colour="lime"), "p.jpg"), "purpose": "report"},
                     headers={**world["resident"].headers, "Accept-Language": "en"})
    assert "稍后" in zh.get_json()["detail"]
    assert "try again" in en.get_json()["detail"]
