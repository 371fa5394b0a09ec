"""Deny by default: every endpoint declares a permission, and a role × endpoint matrix holds."""

import pytest

from grid_api.authz import declared_permission
from models.area import AreaLevel
from tests.factories import bearer, login, make_area, make_unit, make_user

# Served by flask / flask-smorest themselves, public by nature.
INFRASTRUCTURE = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def test_every_endpoint_declares_a_permission(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in INFRASTRUCTURE:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            handler = getattr(view_class, method.lower(), None) if view_class else view
            if handler is None or declared_permission(handler) is None:
                undeclared.append(f"{method} {rule.rule}")
    assert undeclared == []


ROLES = ("anonymous", "resident", "grid_worker", "unit_staff", "supervisor", "admin")

# endpoint → the roles that get through (others: 401 anonymous, 403 signed in).
MATRIX = {
    ("GET", "/healthz"): set(ROLES),
    ("GET", "/readyz"): set(ROLES),
    ("GET", "/api/v1/me"): set(ROLES) - {"anonymous"},
    ("POST", "/api/v1/auth/logout"): set(ROLES) - {"anonymous"},
    ("GET", "/api/v1/users"): {"admin"},
    ("GET", "/api/v1/users/{self}"): {"admin"},
    ("PATCH", "/api/v1/users/{self}"): {"admin"},
    ("POST", "/api/v1/users"): {"admin"},
}


@pytest.fixture
def people(client, db):
    district = make_area(db)
    cell = make_area(db, level=AreaLevel.grid, parent=district)
    unit = make_unit(db)
    users = {
        "resident": make_user(db),
        "grid_worker": make_user(db, roles=("grid_worker",), grid_cells=(cell,)),
        "unit_staff": make_user(db, roles=("unit_staff",), unit=unit),
        "supervisor": make_user(db, roles=("supervisor",), area=district),
        "admin": make_user(db, roles=("admin",)),
    }
    return {role: (user, bearer(login(client, user))) for role, user in users.items()}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_role_matrix(client, people, role, method, path):
    _user, headers = people.get(role, (None, {}))
    target = people["resident"][0].id
    url = path.replace("{self}", str(target))
    body = {"display_name": "改名"} if method == "PATCH" else {}
    response = client.open(url, method=method, headers=headers,
                           json=body if method in {"POST", "PATCH"} else None)
    if role in MATRIX[(method, path)]:
        assert response.status_code < 400 or response.status_code == 422, response.get_json()
    elif role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 403


def test_matrix_covers_every_endpoint(app):
    """A new endpoint must join the matrix (auth endpoints are covered in test_auth)."""
    covered = {(m, p.replace("{self}", "<int:user_id>")) for m, p in MATRIX}
    public_auth = {"/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh",
                   "/api/v1/auth/password"}
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in INFRASTRUCTURE and rule.rule not in public_auth
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - covered == set()
