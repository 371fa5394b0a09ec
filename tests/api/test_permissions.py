"""Deny by default: every endpoint declares a permission, and a role × endpoint matrix holds."""

import pytest

from grid_api.web.permissions import declared_permission
from models.area import AreaLevel
from tests.factories import bearer, login, make_area, make_case, make_unit, make_user

# Served by flask / flask-smorest themselves, public by nature.
INFRASTRUCTURE = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui",
                  "api-docs.openapi_redoc"}


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
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}

# (method, URL rule) → (the roles that get through, a concrete URL). Others get 401 when
# anonymous, 403 when signed in. Placeholders: {user} a resident, {area} a district,
# {cell} a grid cell in that district.
MATRIX = {
    ("GET", "/healthz"): (EVERYONE, "/healthz"),
    ("GET", "/readyz"): (EVERYONE, "/readyz"),
    ("GET", "/api/v1/me"): (SIGNED_IN, "/api/v1/me"),
    ("POST", "/api/v1/auth/logout"): (SIGNED_IN, "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"): (SIGNED_IN, "/api/v1/auth/password"),
    ("GET", "/api/v1/users"): ({"admin"}, "/api/v1/users"),
    ("POST", "/api/v1/users"): ({"admin"}, "/api/v1/users"),
    ("GET", "/api/v1/users/<int:user_id>"): ({"admin"}, "/api/v1/users/{user}"),
    ("PATCH", "/api/v1/users/<int:user_id>"): ({"admin"}, "/api/v1/users/{user}"),
    ("GET", "/api/v1/areas"): (EVERYONE, "/api/v1/areas"),
    ("GET", "/api/v1/areas/<int:area_id>"): (EVERYONE, "/api/v1/areas/{area}"),
    ("POST", "/api/v1/areas/import"): ({"admin"}, "/api/v1/areas/import?area={area}"),
    ("POST", "/api/v1/areas/<int:area_id>/generate-grid"): (
        {"admin"}, "/api/v1/areas/{area}/generate-grid"),
    ("GET", "/api/v1/areas/<int:area_id>/generate-grid/estimate"): (
        {"admin"}, "/api/v1/areas/{area}/generate-grid/estimate?size_m=500"),
    ("GET", "/api/v1/grid-generations/<int:job_id>"): ({"admin"}, "/api/v1/grid-generations/1"),
    ("GET", "/api/v1/grids/locate"): (EVERYONE, "/api/v1/grids/locate?lon=120.05&lat=30.05"),
    ("GET", "/api/v1/grids/<int:cell_id>/workers"): (
        {"supervisor", "admin"}, "/api/v1/grids/{cell}/workers"),
    ("PUT", "/api/v1/grids/<int:cell_id>/workers"): (
        {"supervisor", "admin"}, "/api/v1/grids/{cell}/workers"),
    ("GET", "/api/v1/tiles/<string:layer>/<int:z>/<int:x>/<int:y>.mvt"): (
        EVERYONE, "/api/v1/tiles/grids/14/13657/6749.mvt"),
}
CASE_ACTIONS = ("register", "reject", "dispatch", "reassign", "accept", "return", "extend",
                "extend/decision", "defer", "resolve", "verify", "reopen", "close", "comments",
                "rating", "dispute", "urgent")
STAFF_ROLES = {"grid_worker", "unit_staff", "supervisor", "admin"}
MATRIX |= {
    ("GET", "/metrics"): (EVERYONE, "/metrics"),
    ("GET", "/api/v1/units"): (STAFF_ROLES, "/api/v1/units"),
    ("GET", "/api/v1/cases/queues"): (STAFF_ROLES, "/api/v1/cases/queues"),
    ("GET", "/console/"): (EVERYONE, "/console/"),
    ("GET", "/console/assets/<path:asset>"): (EVERYONE, "/console/assets/console.css"),
    ("POST", "/api/v1/units"): ({"admin"}, "/api/v1/units"),
    ("PATCH", "/api/v1/units/<int:unit_id>"): ({"admin"}, "/api/v1/units/{unit}"),
    ("GET", "/api/v1/routing-rules"): ({"supervisor", "admin"}, "/api/v1/routing-rules"),
    ("POST", "/api/v1/routing-rules"): ({"admin"}, "/api/v1/routing-rules"),
    ("DELETE", "/api/v1/routing-rules/<int:rule_id>"): ({"admin"}, "/api/v1/routing-rules/1"),
    ("GET", "/api/v1/routing-rules/resolve"): (
        STAFF_ROLES, "/api/v1/routing-rules/resolve?category=E0104&lon=120.05&lat=30.05"),
    ("GET", "/api/v1/calendar"): (SIGNED_IN, "/api/v1/calendar?year=2026"),
    ("PUT", "/api/v1/calendar"): ({"admin"}, "/api/v1/calendar"),
    ("POST", "/api/v1/calendar/holidays"): ({"admin"}, "/api/v1/calendar/holidays?year=2026"),
    ("GET", "/api/v1/notifications"): (SIGNED_IN, "/api/v1/notifications"),
    ("POST", "/api/v1/notifications/<int:notification_id>/read"): (
        SIGNED_IN, "/api/v1/notifications/1/read"),
    ("POST", "/api/v1/devices"): (SIGNED_IN, "/api/v1/devices"),
    ("DELETE", "/api/v1/devices/<path:token>"): (SIGNED_IN, "/api/v1/devices/none-such"),
    ("GET", "/api/v1/push/stats"): ({"admin"}, "/api/v1/push/stats"),
    ("GET", "/api/v1/categories"): (EVERYONE, "/api/v1/categories"),
    ("POST", "/api/v1/categories"): ({"admin"}, "/api/v1/categories"),
    ("PATCH", "/api/v1/categories/<string:code>"): ({"admin"}, "/api/v1/categories/E0104"),
    ("GET", "/api/v1/clients"): ({"admin"}, "/api/v1/clients"),
    ("POST", "/api/v1/clients"): ({"admin"}, "/api/v1/clients"),
    ("GET", "/api/v1/clients/<int:client_id>"): ({"admin"}, "/api/v1/clients/1"),
    ("PATCH", "/api/v1/clients/<int:client_id>"): ({"admin"}, "/api/v1/clients/1"),
    ("DELETE", "/api/v1/clients/<int:client_id>"): ({"admin"}, "/api/v1/clients/1"),
    ("POST", "/api/v1/clients/<int:client_id>/keys"): ({"admin"}, "/api/v1/clients/1/keys"),
    ("DELETE", "/api/v1/clients/<int:client_id>/keys/<int:key_id>"): (
        {"admin"}, "/api/v1/clients/1/keys/1"),
    ("GET", "/api/v1/categories/<string:code>/questions"): (
        EVERYONE, "/api/v1/categories/E0104/questions"),
    ("PUT", "/api/v1/categories/<string:code>/questions"): (
        {"admin"}, "/api/v1/categories/E0104/questions"),
    ("GET", "/api/v1/merge-candidates"): ({"supervisor", "admin"}, "/api/v1/merge-candidates"),
    ("POST", "/api/v1/cases/<int:case_id>/merge"): (
        {"supervisor", "admin"}, "/api/v1/cases/{case}/merge"),
    ("GET", "/api/v1/clients/<int:client_id>/webhooks"): (
        {"admin"}, "/api/v1/clients/1/webhooks"),
    ("POST", "/api/v1/clients/<int:client_id>/webhooks"): (
        {"admin"}, "/api/v1/clients/1/webhooks"),
    ("GET", "/api/v1/clients/<int:client_id>/webhooks/<int:endpoint_id>"): (
        {"admin"}, "/api/v1/clients/1/webhooks/1"),
    ("PATCH", "/api/v1/clients/<int:client_id>/webhooks/<int:endpoint_id>"): (
        {"admin"}, "/api/v1/clients/1/webhooks/1"),
    ("DELETE", "/api/v1/clients/<int:client_id>/webhooks/<int:endpoint_id>"): (
        {"admin"}, "/api/v1/clients/1/webhooks/1"),
    ("GET", "/api/v1/clients/<int:client_id>/webhooks/<int:endpoint_id>/deliveries"): (
        {"admin"}, "/api/v1/clients/1/webhooks/1/deliveries"),
    ("POST", "/api/v1/clients/<int:client_id>/webhooks/<int:endpoint_id>/deliveries/"
             "<int:delivery_id>/replay"): (
        {"admin"}, "/api/v1/clients/1/webhooks/1/deliveries/1/replay"),
}
MATRIX |= {
    ("POST", "/api/v1/patrols"): ({"grid_worker"}, "/api/v1/patrols"),
    ("GET", "/api/v1/patrols/<int:patrol_id>"): (STAFF_ROLES, "/api/v1/patrols/1"),
    ("POST", "/api/v1/patrols/<int:patrol_id>/points"): (
        {"grid_worker"}, "/api/v1/patrols/1/points"),
    ("POST", "/api/v1/patrols/<int:patrol_id>/finish"): (
        {"grid_worker"}, "/api/v1/patrols/1/finish"),
    ("GET", "/api/v1/me/following"): (SIGNED_IN, "/api/v1/me/following"),
    ("POST", "/api/v1/me/deletion"): (SIGNED_IN, "/api/v1/me/deletion"),
    ("GET", "/api/v1/me/watch-areas"): (SIGNED_IN, "/api/v1/me/watch-areas"),
    ("POST", "/api/v1/me/watch-areas"): (SIGNED_IN, "/api/v1/me/watch-areas"),
    ("DELETE", "/api/v1/me/watch-areas/<int:watch_id>"): (
        SIGNED_IN, "/api/v1/me/watch-areas/1"),
    ("GET", "/api/v1/tiles/cases/<int:z>/<int:x>/<int:y>.mvt"): (
        SIGNED_IN, "/api/v1/tiles/cases/14/13657/6749.mvt"),
    ("GET", "/api/v1/outcomes/dispute-rates"): (
        {"supervisor", "admin"}, "/api/v1/outcomes/dispute-rates"),
    ("POST", "/api/v1/checkins"): ({"grid_worker"}, "/api/v1/checkins"),
    ("GET", "/api/v1/duty"): (STAFF_ROLES, "/api/v1/duty"),
    ("GET", "/api/v1/stats/patrols/cells"): (
        {"supervisor", "admin"}, "/api/v1/stats/patrols/cells?area={area}"),
    ("GET", "/api/v1/stats/patrols/workers"): (
        {"supervisor", "admin"}, "/api/v1/stats/patrols/workers?area={area}"),
    ("GET", "/api/v1/stats/patrols/unvisited"): (
        {"supervisor", "admin"}, "/api/v1/stats/patrols/unvisited?area={area}"),
    ("GET", "/api/v1/tiles/coverage/<int:z>/<int:x>/<int:y>.mvt"): (
        {"supervisor", "admin"}, "/api/v1/tiles/coverage/14/13657/6749.mvt"),
    ("POST", "/api/v1/sync"): (SIGNED_IN, "/api/v1/sync"),
    ("POST", "/api/v1/sync/photos/<string:op_id>"): (SIGNED_IN, "/api/v1/sync/photos/x1"),
    ("GET", "/api/v1/missed-reports"): ({"supervisor", "admin"}, "/api/v1/missed-reports"),
    ("GET", "/api/v1/missed-reports/<int:missed_id>"): (
        {"supervisor", "admin"}, "/api/v1/missed-reports/1"),
    ("POST", "/api/v1/missed-reports/<int:missed_id>/confirm"): (
        {"supervisor", "admin"}, "/api/v1/missed-reports/1/confirm"),
    ("POST", "/api/v1/missed-reports/<int:missed_id>/dismiss"): (
        {"supervisor", "admin"}, "/api/v1/missed-reports/1/dismiss"),
    ("GET", "/api/v1/stats/patrols/missed"): (
        {"supervisor", "admin"}, "/api/v1/stats/patrols/missed?area={area}"),
}
STATS = "from=2026-01-01&to=2026-01-31"
MATRIX |= {
    ("GET", "/api/v1/stats/indicators"): (STAFF_ROLES, f"/api/v1/stats/indicators?{STATS}"),
    ("GET", "/api/v1/stats/definitions"): (EVERYONE, "/api/v1/stats/definitions"),
    ("PATCH", "/api/v1/stats/definitions"): ({"admin"}, "/api/v1/stats/definitions"),
    ("GET", "/api/v1/stats/rankings"): (
        {"supervisor", "admin"}, f"/api/v1/stats/rankings?kind=unit&{STATS}"),
    ("GET", "/api/v1/stats/ranking-settings"): (STAFF_ROLES, "/api/v1/stats/ranking-settings"),
    ("PATCH", "/api/v1/stats/ranking-settings"): (
        {"admin"}, "/api/v1/stats/ranking-settings"),
    ("GET", "/api/v1/stats/overview"): ({"supervisor", "admin"}, "/api/v1/stats/overview"),
    ("GET", "/api/v1/stats/public-overview"): (EVERYONE, "/api/v1/stats/public-overview"),
    ("GET", "/api/v1/stats/hotspots"): (
        {"supervisor", "admin"}, f"/api/v1/stats/hotspots?{STATS}"),
    ("GET", "/api/v1/tiles/heat/<int:z>/<int:x>/<int:y>.mvt"): (
        {"supervisor", "admin"}, f"/api/v1/tiles/heat/14/13657/6749.mvt?{STATS}"),
    ("POST", "/api/v1/exports"): (STAFF_ROLES, "/api/v1/exports"),
    ("GET", "/api/v1/exports/<int:export_id>"): (SIGNED_IN, "/api/v1/exports/1"),
    ("GET", "/api/v1/exports/<int:export_id>/file"): (SIGNED_IN, "/api/v1/exports/1/file"),
}
# Case endpoints let every signed-in user through the door; which case they may see or act
# on is decided per case (tests in test_cases, test_case_lists, test_photos). Here: the
# anonymous are refused, and nobody meets a server error.
PER_CASE = {
    ("POST", "/api/v1/cases"): "/api/v1/cases",
    ("GET", "/api/v1/cases"): "/api/v1/cases",
    ("GET", "/api/v1/cases/nearby"): "/api/v1/cases/nearby?lon=120.05&lat=30.05",
    ("GET", "/api/v1/cases/<int:case_id>"): "/api/v1/cases/{case}",
    ("GET", "/api/v1/cases/<int:case_id>/events"): "/api/v1/cases/{case}/events",
    ("GET", "/api/v1/cases/<int:case_id>/answers"): "/api/v1/cases/{case}/answers",
    ("GET", "/api/v1/cases/<int:case_id>/merged"): "/api/v1/cases/{case}/merged",
    ("GET", "/api/v1/cases/<int:case_id>/attachments"): "/api/v1/cases/{case}/attachments",
    ("POST", "/api/v1/cases/<int:case_id>/attachments"): "/api/v1/cases/{case}/attachments",
    ("GET", "/api/v1/cases/<int:case_id>/attachments/<int:attachment_id>"):
        "/api/v1/cases/{case}/attachments/1",
    ("PUT", "/api/v1/cases/<int:case_id>/attachments/<int:attachment_id>/publishable"):
        "/api/v1/cases/{case}/attachments/1/publishable",
    **{("POST", f"/api/v1/cases/<int:case_id>/{action}"): f"/api/v1/cases/{{case}}/{action}"
       for action in CASE_ACTIONS},
    ("PUT", "/api/v1/cases/<int:case_id>/follow"): "/api/v1/cases/{case}/follow",
    ("DELETE", "/api/v1/cases/<int:case_id>/follow"): "/api/v1/cases/{case}/follow",
}
# Open311 is public by its standard: reads need no key; a bearer token is no api_key, so
# filing is refused to every role (tests in tests/integrations/test_open311).
OPEN311_FMT = "<any(json, xml):fmt>"
OPEN311 = {
    ("GET", f"/open311/v2/discovery.{OPEN311_FMT}"): ("/open311/v2/discovery.xml", 200),
    ("GET", f"/open311/v2/services.{OPEN311_FMT}"): ("/open311/v2/services.json", 200),
    ("GET", f"/open311/v2/services/<string:code>.{OPEN311_FMT}"): (
        "/open311/v2/services/E0104.xml", 200),
    ("GET", f"/open311/v2/requests.{OPEN311_FMT}"): ("/open311/v2/requests.json", 200),
    ("POST", f"/open311/v2/requests.{OPEN311_FMT}"): ("/open311/v2/requests.json", 403),
    ("GET", f"/open311/v2/requests/<string:request_id>.{OPEN311_FMT}"): (
        "/open311/v2/requests/1.xml", 404),
    ("GET", f"/open311/v2/tokens/<string:token>.{OPEN311_FMT}"): (
        "/open311/v2/tokens/1.json", 404),
    **{(method, "/open311/v2/<path:anything>"): ("/open311/v2/nonesuch", 404)
       for method in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    # The hotline's intake: an API key, never a bearer token (tests in test_workorders).
    ("POST", "/api/v1/workorders"): ("/api/v1/workorders", 403),
    ("GET", "/api/v1/integrations/webhooks"): ("/api/v1/integrations/webhooks", 403),
    ("POST", "/api/v1/integrations/webhooks"): ("/api/v1/integrations/webhooks", 403),
    ("PATCH", "/api/v1/integrations/webhooks/<int:endpoint_id>"): (
        "/api/v1/integrations/webhooks/1", 403),
    ("DELETE", "/api/v1/integrations/webhooks/<int:endpoint_id>"): (
        "/api/v1/integrations/webhooks/1", 403),
    ("GET", "/api/v1/integrations/webhooks/<int:endpoint_id>/deliveries"): (
        "/api/v1/integrations/webhooks/1/deliveries", 403),
    ("POST", "/api/v1/integrations/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>"
             "/replay"): ("/api/v1/integrations/webhooks/1/deliveries/1/replay", 403),
}
# Sign-in endpoints are public by nature and tested in test_auth.
PUBLIC_AUTH = {"/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh"}


people_places: dict[str, int] = {}


@pytest.fixture
def people(client, db):
    district = make_area(db)
    cell = make_area(db, level=AreaLevel.grid, parent=district)
    people_places["area"], people_places["cell"] = district.id, cell.id
    unit = make_unit(db)
    people_places["unit"] = unit.id
    users = {
        "resident": make_user(db),
        "grid_worker": make_user(db, roles=("grid_worker",), grid_cells=(cell,)),
        "unit_staff": make_user(db, roles=("unit_staff",), unit=unit),
        "supervisor": make_user(db, roles=("supervisor",), area=district),
        "admin": make_user(db, roles=("admin",)),
    }
    people_places["case"] = make_case(db, reporter=users["resident"], cell=cell).id
    return {role: (user, bearer(login(client, user))) for role, user in users.items()}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_role_matrix(client, people, role, method, path):
    _user, headers = people.get(role, (None, {}))
    allowed, template = MATRIX[(method, path)]
    url = template.format(user=people["resident"][0].id, **people_places)
    body = {"display_name": "改名"} if method == "PATCH" else {}
    response = client.open(url, method=method, headers=headers,
                           json=body if method in {"POST", "PATCH", "PUT"} else None)
    if role in allowed:
        # Through the door: an answer, or a complaint about the (empty) request or object.
        assert response.status_code < 400 or response.status_code in {404, 422}, (
            response.get_json())
    elif role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 403


def test_matrix_covers_every_endpoint(app):
    """A new endpoint must join the matrix (auth endpoints are covered in test_auth)."""
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in INFRASTRUCTURE and rule.rule not in PUBLIC_AUTH
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - set(MATRIX) - set(PER_CASE) - set(OPEN311) == set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(PER_CASE))
def test_case_endpoints_refuse_the_anonymous_and_never_fail(client, people, role, method,
                                                            path):
    _user, headers = people.get(role, (None, {}))
    url = PER_CASE[(method, path)].format(**people_places)
    response = client.open(url, method=method, headers=headers,
                           json={} if method == "POST" else None)
    if role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code not in {401, 500}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(OPEN311))
def test_open311_and_client_endpoints_are_the_same_for_every_role(client, people, role, method,
                                                                  path):
    _user, headers = people.get(role, (None, {}))
    url, status = OPEN311[(method, path)]
    body = {"service_code": "E0104"} if method == "POST" else None
    response = client.open(url, method=method, headers=headers,
                           **({"json": body} if url.startswith("/api/") else {"data": body}))
    assert response.status_code == status
