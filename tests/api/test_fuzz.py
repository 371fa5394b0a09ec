"""A bounded fuzz pass over every operation of the OpenAPI document, as an admin and as a
resident: no 5xx, and no response outside its documented status codes, content types and
schema. Schemathesis generates the requests from the document itself."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grid_api.app import create_app
from grid_api.config import Settings
from tests.factories import bearer, login, make_grid_tree, make_unit, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# Open311 answers errors as GeoReport v2's own error lists, in the format of the path
# (.xml or .json), not as problem documents: everything but the content type is checked.
OPEN311_CHECKS = [check for check in CHECKS if check is not content_type_conformance]


def _checks(case) -> list:
    return OPEN311_CHECKS if case.path.startswith("/open311/") else CHECKS
EXAMPLES_PER_OPERATION = 8


def _document() -> dict:
    """The OpenAPI document, built without a database (at collection time)."""
    app = create_app(settings=Settings.from_env({"GRID_ENV": "testing"}))
    with app.test_request_context():
        return app.extensions["grid_openapi"].spec.to_dict()


schema = schemathesis.openapi.from_dict(_document())


def _signed_in(client, db, role: str) -> dict[str, str]:
    make_grid_tree(db)  # a city to find things in
    make_unit(db)
    return bearer(login(client, make_user(db, roles=(role,))))


@pytest.fixture
def as_admin(client, db) -> dict[str, str]:
    return _signed_in(client, db, "admin")


@pytest.fixture
def as_resident(client, db) -> dict[str, str]:
    return _signed_in(client, db, "resident")


BOUNDED = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                   database=None,
                   phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_admins_as_documented(case, app, as_admin):
    case.call_and_validate(headers=as_admin, checks=_checks(case), app=app)


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_residents_as_documented(case, app, as_resident):
    case.call_and_validate(headers=as_resident, checks=_checks(case), app=app)
