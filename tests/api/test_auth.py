"""Registration, sign-in, refresh rotation with reuse detection, logout, password change."""

from datetime import timedelta

import jwt
import pytest
from flask_jwt_extended import create_access_token

from tests.factories import PASSWORD, bearer, login, make_user


def _register(client, **overrides):
    body = {"phone": "138 0013 8000", "password": "Hangzhou2026", "display_name": "王小明"}
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


def test_register_normalizes_the_phone_and_makes_a_resident(client):
    response = _register(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["phone"] == "+8613800138000"
    assert body["roles"] == ["resident"]
    assert "password" not in body


def test_register_accepts_e164(client):
    assert _register(client, phone="+44 7700 900123").get_json()["phone"] == "+447700900123"


def test_duplicate_phone_is_409_in_any_spelling(client):
    _register(client)
    response = _register(client, phone="+86-138-0013-8000")
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"phone": ["该手机号已注册。"]}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("phone", "12345", "不是有效的手机号码。"),
    ("phone", "+8612345678901", "不是有效的手机号码。"),
    ("password", "short1", "长度不能少于 8。"),
    ("password", "onlyletters", "密码须同时包含字母和数字。"),
    ("password", "abcd1234", "密码过于常见。"),
    ("password", "x13800138000", "密码不能包含手机号。"),
    ("display_name", "", "长度必须在 1 与 50 之间。"),
])
def test_bad_registration_fields_are_422_per_field(client, field, value, message):
    response = _register(client, **{field: value})
    assert response.status_code == 422
    assert response.get_json()["errors"][field] == [message]


def test_unknown_and_missing_fields_are_reported_in_english_when_asked(client):
    response = client.post("/api/v1/auth/register", json={"phone": "13800138000", "role": "admin"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["role"] == ["Unknown field."]
    assert errors["password"] == ["Missing data for required field."]


def test_login_returns_a_token_pair_that_opens_me(client, db):
    user = make_user(db)
    tokens = login(client, user)
    assert tokens["token_type"] == "Bearer"
    me = client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.get_json()["id"] == user.id


def test_wrong_password_and_unknown_account_answer_alike(client, db):
    user = make_user(db)
    wrong = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": "Nope12345"})
    unknown = client.post("/api/v1/auth/login",
                          json={"phone": "13900000000", "password": "Nope12345"})
    malformed = client.post("/api/v1/auth/login", json={"phone": "x", "password": "Nope12345"})
    assert wrong.status_code == unknown.status_code == malformed.status_code == 401
    bodies = [r.get_json() for r in (wrong, unknown, malformed)]
    assert {b["detail"] for b in bodies} == {"手机号或密码错误"}


def test_disabled_account_cannot_sign_in(client, db):
    admin = make_user(db, roles=("admin",))
    user = make_user(db)
    client.patch(f"/api/v1/users/{user.id}", json={"disabled": True},
                 headers=bearer(login(client, admin)))
    response = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 403
    assert response.get_json()["detail"] == "账号已停用，请联系管理员"


def test_missing_token_is_401_with_challenge(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"


def test_tampered_token_is_401(client, db):
    tokens = login(client, make_user(db))
    head, payload, signature = tokens["access_token"].split(".")
    forged = f"{head}.{payload}.{signature[::-1]}"
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.get_json()["detail"] == "令牌无效，请重新登录"


def test_expired_token_is_401(app, client, db):
    user = make_user(db)
    claims = {"tv": 0, "fam": "any"}  # expiry is checked before anything else
    with app.app_context():
        expired = create_access_token(identity=str(user.id), additional_claims=claims,
                                      expires_delta=timedelta(minutes=-5))
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.get_json()["detail"] == "令牌已过期"


def test_refresh_token_is_not_an_access_token(client, db):
    tokens = login(client, make_user(db))
    response = client.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert response.status_code == 401
    assert response.get_json()["type"].endswith("token_invalid")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Token abc"])
def test_malformed_authorization_is_401_with_challenge(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_bearer_scheme_is_case_insensitive(client, db):
    token = login(client, make_user(db))["access_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"}
                      ).status_code == 200


@pytest.mark.parametrize(("ahead", "status"), [(20, 200), (120, 401)])
def test_tokens_from_a_clock_a_little_ahead_are_accepted(app, client, db, ahead, status):
    token = login(client, make_user(db))["access_token"]
    secret = app.config["JWT_SECRET_KEY"]
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    shifted = {**claims, "iat": claims["iat"] + ahead, "nbf": claims["nbf"] + ahead}
    response = client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {jwt.encode(shifted, secret, algorithm='HS256')}"})
    assert response.status_code == status


def test_refresh_rotates_and_reuse_revokes_the_whole_family(client, db):
    first = login(client, make_user(db))
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200

    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert replay.get_json()["type"].endswith("refresh_token_reused")
    assert "重复使用" in replay.get_json()["detail"]
    # Every token of the family is dead now, including the legitimately rotated ones.
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 401
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


def test_reuse_revocation_holds_without_redis(app, client, db):
    first = login(client, make_user(db))
    second = client.post("/api/v1/auth/refresh",
                         json={"refresh_token": first["refresh_token"]}).get_json()
    client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    app.extensions["grid_redis"].flushdb()  # the Redis list is only the fast path
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 401


def test_access_token_is_not_a_refresh_token(client, db):
    tokens = login(client, make_user(db))
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert response.status_code == 401


def test_garbage_refresh_token_is_401(client):
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": "not.a.jwt"})
    assert response.status_code == 401


def test_logout_ends_this_session_only(client, db):
    user = make_user(db)
    phone_a, phone_b = login(client, user), login(client, user)
    assert client.post("/api/v1/auth/logout", headers=bearer(phone_a)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(phone_a)).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh",
                            json={"refresh_token": phone_a["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.get("/api/v1/me", headers=bearer(phone_b)).status_code == 200


def test_password_change_ends_every_session(client, db):
    user = make_user(db)
    phone_a, phone_b = login(client, user), login(client, user)
    response = client.post("/api/v1/auth/password", headers=bearer(phone_a),
                           json={"current_password": PASSWORD, "new_password": "Xihu2026lake"})
    assert response.status_code == 204
    for tokens in (phone_a, phone_b):
        assert client.get("/api/v1/me", headers=bearer(tokens)).status_code == 401
    login(client, user, "Xihu2026lake")


def test_password_change_needs_the_current_password(client, db):
    tokens = login(client, make_user(db))
    response = client.post("/api/v1/auth/password", headers=bearer(tokens),
                           json={"current_password": "wrong1234", "new_password": "Xihu2026lake"})
    assert response.status_code == 401
