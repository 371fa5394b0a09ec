"""``grid-api storage-migrate``: local files to a real S3 store, verified, resumable, idempotent."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner

from devenv.services import free_port
from grid_api import cli
from grid_api.infra.storage import LocalStorage
from grid_api.infra.storage_copy import copy_all
from tests.integration.test_storage import s3_storage

FILES = {"cases/1/a1b2.jpg": b"\xff\xd8photo one", "cases/2/c3d4.jpg": b"\xff\xd8photo two",
         "exports/2026-11/cases.csv": "编号,状态\n".encode()}


@pytest.fixture
def local(tmp_path) -> LocalStorage:
    storage = LocalStorage(tmp_path / "media")
    for key, data in FILES.items():
        storage.put(key, data)
    (tmp_path / "media" / "cases" / "1" / ".tmp-half-written").write_bytes(b"half")
    return storage


@pytest.fixture
def bucket_env(seaweedfs) -> dict[str, str]:
    env = {**seaweedfs.env, "S3_BUCKET": f"move-{uuid.uuid4().hex[:12]}"}
    assert CliRunner().invoke(cli.main, ["storage-init"], env=env).exit_code == 0
    return env


def _migrate(local: LocalStorage, env: dict[str, str], *options: str):
    return CliRunner().invoke(cli.main, ["storage-migrate", "--from", str(local.root),
                                         *options], env=env)


def test_every_file_is_copied_once_and_reads_back_the_same(local, bucket_env, seaweedfs):
    first = _migrate(local, bucket_env)
    assert first.exit_code == 0, first.output
    assert "3 copied, 0 already there" in first.output
    target = s3_storage(seaweedfs, bucket=bucket_env["S3_BUCKET"])
    assert {key: target.get(key) for key in FILES} == FILES
    assert target.stat("cases/1/.tmp-half-written") is None
    again = _migrate(local, bucket_env)
    assert "0 copied, 3 already there" in again.output
    assert sorted(local.keys()) == sorted(FILES)  # copied, not moved, unless asked


def test_an_interrupted_run_resumes_where_it_stopped(local, bucket_env, seaweedfs):
    target = s3_storage(seaweedfs, bucket=bucket_env["S3_BUCKET"])

    def stop_after_first(_key, _outcome):
        raise KeyboardInterrupt  # Ctrl-C after the first file

    with pytest.raises(KeyboardInterrupt):
        copy_all(local, target, local.keys(), on_each=stop_after_first)
    resumed = _migrate(local, bucket_env)
    assert resumed.exit_code == 0, resumed.output
    assert "2 copied, 1 already there" in resumed.output


def test_a_different_object_under_the_same_key_is_replaced(local, bucket_env, seaweedfs):
    target = s3_storage(seaweedfs, bucket=bucket_env["S3_BUCKET"])
    target.put("cases/1/a1b2.jpg", b"something else")
    result = _migrate(local, bucket_env)
    assert "3 copied" in result.output
    assert target.get("cases/1/a1b2.jpg") == FILES["cases/1/a1b2.jpg"]


def test_delete_local_moves_the_files(local, bucket_env, seaweedfs):
    moved = _migrate(local, bucket_env, "--delete-local")
    assert moved.exit_code == 0, moved.output
    assert "3 local files removed" in moved.output
    assert list(local.keys()) == []
    target = s3_storage(seaweedfs, bucket=bucket_env["S3_BUCKET"])
    assert target.get("exports/2026-11/cases.csv") == FILES["exports/2026-11/cases.csv"]


def test_it_refuses_without_an_s3_target(local):
    result = _migrate(local, {"STORAGE_BACKEND": "local"})
    assert result.exit_code == 1
    assert "STORAGE_BACKEND=s3" in result.output


def test_a_store_that_stops_answering_is_reported_as_resumable(local):
    env = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
           "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s",
           "S3_CONNECT_TIMEOUT": "1", "S3_MAX_ATTEMPTS": "1"}
    result = _migrate(local, env)
    assert result.exit_code == 1
    assert "run the command again to resume" in result.output
    assert sorted(local.keys()) == sorted(FILES)
