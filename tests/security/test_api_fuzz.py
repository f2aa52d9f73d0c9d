"""Schemathesis over every operation of the OpenAPI schema, signed in as an HR
admin (who may do the most), against the WSGI app in-process: no input may make
the API answer 5xx, and responses must match the schema's content types and
bodies where the schema documents them.

Each operation is its own pytest test with a fresh `world` (function-scoped
fixtures are set up once per operation, then shared by that operation's
Hypothesis examples, so one example may see what an earlier one created or
deleted). Small ids in generated paths hit `world`'s objects, since the rows are
rolled back after each operation.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application
from core.services import api_token_create

# Loaded once at import through the app itself: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@pytest.fixture
def auth_headers(world) -> dict[str, str]:
    _token, key = api_token_create(actor=world.hr_admin, name="fuzz")
    return {"Authorization": f"Token {key}"}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests reach Django's real WSGI handler, whose request signals would close
    the connection that holds this test's transaction (Django's test client
    unhooks them the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api_never_answers_5xx_and_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
