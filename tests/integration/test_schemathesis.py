"""Schemathesis over our OpenAPI against the local stack, as both tenants: no 5xx, and every answer is
one the document promises (a documented status code, its content type, headers and schema).

Tenant A calls with the ids of its own workspace and scenario, so the generated bodies and queries
reach the routes' logic; tenant B calls with those same ids, foreign to it, and must get the documented
404s. Bounded: two or three examples an operation, about two minutes for the module."""

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from planalign.local.stack import LocalStack
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import make_scenario, make_workspace

pytestmark = pytest.mark.integration

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def own_ids(api: httpx.Client) -> dict[str, str]:
    workspace_id = make_workspace(api)
    return {"workspace_id": workspace_id, "scenario_id": make_scenario(api, workspace_id)}


@pytest.fixture(scope="module")
def api_schema(stack: LocalStack) -> Any:
    document = httpx.get(f"{stack.api_url}/api/openapi.json", timeout=60).json()
    return schemathesis.openapi.from_dict(document)


schema = schemathesis.pytest.from_fixture("api_schema")


# A few examples an operation, no deadline (the stack shares two cores with the rest of the suite), no
# example database to carry between runs. The other tenant's calls meet 404s before any body is read:
# fewer examples find as much there.
def bounded(max_examples: int) -> Any:
    return settings(
        max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )


def call_and_validate(case: schemathesis.Case, stack: LocalStack, token: str, ids: dict[str, str]) -> None:
    # Deleting the workspace or scenario would leave the other operations only 404s to check.
    if case.path_parameters and case.method != "DELETE":
        for name, value in ids.items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    case.call_and_validate(
        base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=60
    )


@schema.parametrize()
@bounded(max_examples=3)
def test_own_ids_answers_are_documented_and_never_5xx(
    case: schemathesis.Case, stack: LocalStack, own_ids: dict[str, str]
) -> None:
    call_and_validate(case, stack, "token-a", own_ids)


@schema.parametrize()
@bounded(max_examples=1)  # the same paths as tenant A's, answered for a stranger: one draw each
def test_other_tenants_ids_answers_are_documented_and_never_5xx(
    case: schemathesis.Case, stack: LocalStack, own_ids: dict[str, str]
) -> None:
    call_and_validate(case, stack, "token-b", own_ids)


def test_an_id_with_a_newline_is_our_json_404(api: httpx.Client) -> None:
    answer = api.get("/api/workspaces/ws_x/imports/a%0Ab")
    assert answer.status_code == 404
    assert answer.json()["detail"]
