"""Two API processes, each in its own working directory, share photos through S3."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import urllib3
from PIL import Image

from devenv.services import free_port
from tests.factories import PASSWORD, make_case, make_grid_tree, make_user

GUNICORN = Path(sys.executable).with_name("gunicorn")


@contextmanager
def api_processes(env: dict[str, str], *workdirs: Path) -> Iterator[list[str]]:
    """One gunicorn per working directory, started together; yields their base URLs."""
    started = []
    for workdir in workdirs:
        port = free_port()
        workdir.mkdir()
        with (workdir / "gunicorn.log").open("wb") as log:
            started.append((f"http://127.0.0.1:{port}", workdir, subprocess.Popen(
                [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                 "--log-level", "warning", "--chdir", str(workdir), "grid_api.wsgi:app"],
                cwd=workdir, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                stderr=log)))
    try:
        for base, workdir, process in started:
            _wait_ready(base, workdir, process)
        yield [base for base, _workdir, _process in started]
    finally:
        for _base, _workdir, process in started:
            process.terminate()
            process.wait(timeout=30)


def _wait_ready(base: str, workdir: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            if urllib3.request("GET", base + "/healthz", retries=False).status == 200:
                return
        except urllib3.exceptions.HTTPError:
            pass
        assert process.poll() is None, (workdir / "gunicorn.log").read_text()
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.2)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "purple").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_photo_uploaded_through_one_process_is_downloaded_through_the_other(
        committed, test_env, seaweedfs, tmp_path):
    with committed.new_session() as session:
        tree = make_grid_tree(session)
        resident = make_user(session)
        case = make_case(session, reporter=resident, cell=tree["cells"][0])
        phone, case_id = resident.phone, case.id
        session.commit()
    env = {**test_env, **seaweedfs.env}
    env.pop("STORAGE_DIR")  # each process would keep photos in its own ./var/media
    with api_processes(env, tmp_path / "first", tmp_path / "second") as (first, second):
        token = urllib3.request("POST", first + "/api/v1/auth/login",
                                json={"phone": phone, "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        uploaded = urllib3.request(
            "POST", f"{first}/api/v1/cases/{case_id}/attachments", headers=headers,
            fields={"purpose": "report", "file": ("photo.jpg", _jpeg(), "image/jpeg")})
        assert uploaded.status == 201, uploaded.data
        answer = urllib3.request("GET", second + uploaded.json()["url"], headers=headers,
                                 redirect=False)
        assert answer.status == 302
        photo = urllib3.request("GET", answer.headers["Location"])
        assert photo.status == 200
        assert Image.open(io.BytesIO(photo.data)).size == (320, 240)
    assert not any((tmp_path / name / "var").exists() for name in ("first", "second"))
