"""The OpenAPI schema of /api/v1/ is complete and correct: schemathesis generates requests
from it (in process, through the WSGI application) and checks that no answer is a server
error and every answer matches the schema (status codes, content types, headers, bodies).

Left out: schemathesis's heuristics about which requests a server *should* accept or refuse
(a schema-valid request with an unknown category id is rightly refused with 422)."""

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from igrs.core.accounts import create_token
from igrs.wsgi import application

from . import suggestion_model as model_fixtures

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def one_connection_per_test():
    """Requests go straight to the WSGI application, not through Django's test client, so do
    as that client does: keep the test's connection (and its transaction) across requests."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


# The category suggestions answer from a built model, as in service (without one: 503).
built_model = model_fixtures.built_model
suggestion_model = model_fixtures.suggestion_model


@pytest.fixture
def admin_token(db, suggestion_model) -> str:
    admin = User.objects.create_superuser("schema-admin")
    return create_token(admin, "admin")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_its_schema_says(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
