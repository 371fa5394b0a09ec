"""Authorization decisions as pure functions over a principal."""

from grid_api.geography.policy import in_area_scope
from grid_api.identity.principal import Principal
from grid_api.web.permissions import ADMIN, AUTHENTICATED, PUBLIC, STAFF
from models.user import Role


def _principal(*roles, area_path=None):
    return Principal(user_id=1, roles=frozenset(roles), area_path=area_path)


def test_permissions_by_role():
    resident, admin = _principal(Role.resident), _principal(Role.admin)
    assert PUBLIC.allows(None)
    assert not AUTHENTICATED.allows(None)
    assert AUTHENTICATED.allows(resident)
    assert ADMIN.allows(admin)
    assert not ADMIN.allows(resident)
    assert STAFF.allows(_principal(Role.grid_worker))
    assert not STAFF.allows(resident)


def test_supervisor_area_scope_is_a_subtree():
    supervisor = _principal(Role.supervisor, area_path="/1/7/")
    assert in_area_scope(supervisor, "/1/7/")
    assert in_area_scope(supervisor, "/1/7/40/512/")
    assert not in_area_scope(supervisor, "/1/70/")  # a sibling whose id shares a prefix
    assert not in_area_scope(supervisor, "/1/")
    assert not in_area_scope(_principal(Role.grid_worker), "/1/7/")
