"""The job entry point: an app context and a session of the job's own, one transaction."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from flask import Flask
from sqlalchemy.orm import Session

from grid_api.app import create_app
from grid_api.infra.logs import request_id_var

_app: Flask | None = None


def job_app() -> Flask:
    """The process's app, built once (the worker builds it before its first job)."""
    global _app  # noqa: PLW0603 - one app per process, like a WSGI server's
    if _app is None:
        _app = create_app()
    return _app


def use_app(app: Flask) -> None:
    global _app  # noqa: PLW0603
    _app = app


@contextlib.contextmanager
def job_session(job_name: str = "job") -> Iterator[Session]:
    """Commit when the block ends, roll back when it raises; log lines carry a job id."""
    app = job_app()
    token = request_id_var.set(f"{job_name}:{uuid.uuid4().hex[:12]}")
    try:
        with app.app_context():
            session = app.extensions["grid_db"].new_session()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()
    finally:
        request_id_var.reset(token)
