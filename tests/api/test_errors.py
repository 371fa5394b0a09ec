"""Every error answer is localized application/problem+json."""

import io

import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from grid_api.app import create_app
from grid_api.config import Settings


def test_unknown_path_is_a_chinese_problem_by_default(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404
    assert body["title"] == "请求的地址不存在：/no/such/path"
    assert body["type"].endswith("route_not_found")
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert response.headers["Content-Language"] == "zh-CN"


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9", "fr;q=0.9, en;q=0.5"])
def test_english_when_asked(client, header):
    response = client.get("/no/such/path", headers={"Accept-Language": header})
    assert response.get_json()["title"] == "No such resource: /no/such/path"
    assert response.headers["Content-Language"] == "en"


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    assert "DELETE" in response.get_json()["detail"]


def test_body_over_the_limit_is_413(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/healthz", data=b"x" * (limit + 1),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert str(limit) in response.get_json()["detail"]


def test_body_of_an_unreadable_type_is_415(client):
    response = client.post("/healthz", data="a=1",
                           headers={"Content-Type": "text/plain", "Accept-Language": "en"})
    assert response.status_code == 415
    assert response.get_json()["detail"] == "Unsupported content type: text/plain"


class _ProbeArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(max=5))
    count = fields.Integer()


@pytest.fixture(scope="module")
def probe_app(test_env, migrated) -> Flask:
    """An app with one extra endpoint that takes a body, to exercise webargs' errors."""
    application = create_app(settings=Settings.from_env(test_env))
    blp = Blueprint("probe", __name__)

    @blp.route("/probe")
    class Probe(MethodView):
        @blp.arguments(_ProbeArgs)
        @blp.response(200)
        def post(self, args):
            return args

        @blp.response(200)
        def get(self):
            raise RuntimeError("boom")

    application.extensions["grid_openapi"].register_blueprint(blp)
    return application


def test_validation_errors_are_422_per_field_in_chinese(probe_app):
    response = probe_app.test_client().post("/probe", json={"name": "toolong", "extra": 1})
    assert response.status_code == 422
    body = response.get_json()
    assert body["title"] == "提交的数据有误"
    assert body["errors"] == {"name": ["长度不能超过 5。"], "extra": ["未知字段。"]}


def test_validation_errors_in_english(probe_app):
    response = probe_app.test_client().post("/probe", json={"count": "x"},
                                            headers={"Accept-Language": "en"})
    assert response.get_json()["errors"] == {
        "name": ["Missing data for required field."], "count": ["Not a valid integer."],
    }


def test_malformed_json_is_400(probe_app):
    response = probe_app.test_client().post("/probe", data="{not json",
                                            headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("invalid_json")


def test_unexpected_exception_is_a_500_problem_outside_tests(probe_app, caplog):
    probe_app.testing = False
    try:
        response = probe_app.test_client().get("/probe")
    finally:
        probe_app.testing = True
    assert response.status_code == 500
    body = response.get_json()
    assert body["title"] == "服务器内部错误，请稍后重试"
    assert "boom" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if r.levelname == "ERROR"]
    assert logged
    assert logged[-1].request_id == body["request_id"]


def test_unexpected_exception_propagates_under_testing(probe_app):
    with pytest.raises(RuntimeError, match="boom"):
        probe_app.test_client().get("/probe")


def test_ids_beyond_bigint_are_404_or_422_never_500(client, db):
    from tests.factories import bearer, login, make_user  # noqa: PLC0415

    headers = bearer(login(client, make_user(db, roles=("admin",))))
    huge = 10**20
    for url in (f"/api/v1/cases/{huge}", f"/api/v1/areas/{huge}", f"/api/v1/users/{huge}",
                f"/api/v1/grids/{huge}/workers"):
        assert client.get(url, headers=headers).status_code == 404, url
    for response in (
        client.get(f"/api/v1/cases?area={huge}", headers=headers),
        client.post("/api/v1/routing-rules", headers=headers,
                    json={"category": "E01", "area_id": huge, "unit_id": huge}),
        client.put("/api/v1/grids/1/workers", headers=headers, json={"user_ids": [huge]}),
    ):
        assert response.status_code in {404, 422}
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_json_nested_beyond_reason_is_400_not_500(client, path):
    response = client.post(path, data="[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["type"].endswith("invalid_json")


def _chunked(client, path, body: bytes, **headers):
    return client.post(path, input_stream=io.BytesIO(body),
                       headers={"Transfer-Encoding": "chunked",
                                "Content-Type": "application/json", **headers},
                       environ_overrides={"wsgi.input_terminated": True})  # as gunicorn does


def test_a_chunked_body_over_the_limit_is_413_not_400(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = _chunked(client, "/api/v1/auth/login", b'{"phone": "' + b"1" * limit + b'"}')
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_chunked_body_within_the_limit_is_read_as_usual(client):
    response = _chunked(client, "/api/v1/auth/login",
                        b'{"phone": "13700007777", "password": "Wrong12345"}')
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/cases/1/attachments", "/api/v1/cases"])
def test_without_a_token_the_answer_is_401_whatever_the_body(client, path):
    response = client.post(path, data="x", content_type="text/plain")
    assert response.status_code == 401
    chunked = _chunked(client, path, b"x" * 30_000_000)
    assert chunked.status_code == 401
