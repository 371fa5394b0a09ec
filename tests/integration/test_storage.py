"""The storage contract, held by local disk and by a real S3 store (SeaweedFS)."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
import urllib3
from click.testing import CliRunner

from devenv.services import free_port
from grid_api import cli
from grid_api.config import Settings
from grid_api.errors import StorageUnavailable
from grid_api.infra.storage import LocalStorage, S3Storage, from_settings


def s3_storage(server, **overrides) -> S3Storage:
    env = server.env
    options = {"endpoint_url": env["S3_ENDPOINT_URL"], "bucket": env["S3_BUCKET"],
               "access_key_id": env["S3_ACCESS_KEY_ID"],
               "secret_access_key": env["S3_SECRET_ACCESS_KEY"], "region": env["S3_REGION"],
               "connect_timeout": 1, "read_timeout": 3, "max_attempts": 2}
    return S3Storage(**{**options, **overrides})


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    return s3_storage(request.getfixturevalue("seaweedfs"))


def test_what_is_put_is_got_back_with_its_size_and_checksum(store, tmp_path):
    key = f"cases/{tmp_path.name}/photo.jpg"
    data = b"\xff\xd8" + bytes(range(256)) * 400
    store.put(key, data, content_type="image/jpeg")
    assert store.get(key) == data
    stored = store.stat(key)
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_a_put_replaces_the_whole_object(store, tmp_path):
    key = f"exports/{tmp_path.name}.csv"
    store.put(key, b"first,version\n" * 1000)
    store.put(key, b"second\n")
    assert store.get(key) == b"second\n"


def test_a_missing_key_is_absent_not_unavailable(store):
    assert store.stat("cases/0/never.jpg") is None
    with pytest.raises(FileNotFoundError):
        store.get("cases/0/never.jpg")


def test_local_keys_cannot_escape_the_root(tmp_path):
    with pytest.raises(ValueError, match="escapes"):
        LocalStorage(tmp_path).put("../outside.jpg", b"x")


def test_local_disk_has_no_download_url(tmp_path):
    assert LocalStorage(tmp_path).download_url("cases/1/a.jpg") is None


def test_local_keys_leave_half_written_files_out(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("cases/2/b.jpg", b"b")
    storage.put("cases/1/a.jpg", b"a")
    (tmp_path / "cases" / "1" / ".tmp-abc123").write_bytes(b"half")
    assert list(storage.keys()) == ["cases/1/a.jpg", "cases/2/b.jpg"]


def test_presigned_url_serves_the_file_without_credentials(seaweedfs, tmp_path):
    storage = s3_storage(seaweedfs)
    key = f"exports/{tmp_path.name}/案件.csv"
    storage.put(key, "编号,状态\n1,closed\n".encode())
    url = storage.download_url(key, content_type="text/csv", filename="案件导出.csv")
    response = urllib3.request("GET", url)
    assert response.status == 200
    assert response.data.decode() == "编号,状态\n1,closed\n"
    assert response.headers["Content-Type"] == "text/csv"
    assert "filename*=UTF-8''%E6%A1%88" in response.headers["Content-Disposition"]


def test_presigned_url_is_refused_when_tampered_with_or_expired(seaweedfs, tmp_path):
    storage = s3_storage(seaweedfs, url_seconds=1)
    key = f"cases/{tmp_path.name}/a.jpg"
    storage.put(key, b"photo")
    url = storage.download_url(key)
    other_key = urllib3.request("GET", url.replace("/a.jpg?", "/b.jpg?"))
    assert other_key.status == 403  # the signature covers the key
    time.sleep(2.1)
    assert urllib3.request("GET", url).status == 403


def test_urls_are_signed_for_the_public_endpoint(seaweedfs):
    storage = s3_storage(seaweedfs, public_endpoint_url="https://media.city.example")
    url = storage.download_url("cases/1/a.jpg")
    assert url.startswith("https://media.city.example/grid-media/cases/1/a.jpg?")
    assert "X-Amz-Signature=" in url


def test_a_store_that_does_not_answer_is_unavailable_not_an_error():
    storage = S3Storage(endpoint_url=f"http://127.0.0.1:{free_port()}", bucket="b",
                        access_key_id="k", secret_access_key="s", connect_timeout=1,
                        max_attempts=2)
    for call in (lambda: storage.put("a.jpg", b"x"), lambda: storage.get("a.jpg"),
                 lambda: storage.stat("a.jpg")):
        with pytest.raises(StorageUnavailable) as raised:
            call()
        assert raised.value.status == 503
        assert raised.value.headers["Retry-After"]


def test_wrong_credentials_are_unavailable_too(seaweedfs):
    storage = s3_storage(seaweedfs, secret_access_key="not-the-secret")
    with pytest.raises(StorageUnavailable):
        storage.put("cases/1/a.jpg", b"x")


def test_the_settings_choose_the_store(tmp_path):
    local = from_settings(Settings.from_env({"STORAGE_DIR": str(tmp_path)}))
    assert isinstance(local, LocalStorage)
    assert local.root == tmp_path.resolve()
    s3 = from_settings(Settings.from_env({
        "STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": "http://seaweedfs:8333",
        "S3_PUBLIC_ENDPOINT_URL": "https://media.city.example", "S3_BUCKET": "photos",
        "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s", "S3_URL_SECONDS": "120"}))
    url = s3.download_url("cases/1/a.jpg")
    assert url.startswith("https://media.city.example/photos/cases/1/a.jpg?")
    assert "X-Amz-Expires=120" in url


def test_storage_init_creates_the_bucket_once(seaweedfs):
    env = {**seaweedfs.env, "S3_BUCKET": f"init-{uuid.uuid4().hex[:12]}"}
    runner = CliRunner()
    first = runner.invoke(cli.main, ["storage-init"], env=env)
    again = runner.invoke(cli.main, ["storage-init"], env=env)
    assert (first.exit_code, again.exit_code) == (0, 0), first.output
    assert "created" in first.output
    assert "already there" in again.output
    s3_storage(seaweedfs, bucket=env["S3_BUCKET"]).put("a.txt", b"ok")  # usable


def test_storage_init_says_when_the_store_does_not_answer():
    env = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
           "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s",
           "S3_CONNECT_TIMEOUT": "1", "S3_MAX_ATTEMPTS": "1"}
    result = CliRunner().invoke(cli.main, ["storage-init"], env=env)
    assert result.exit_code == 1
    assert "did not answer" in result.output
