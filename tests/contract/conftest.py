"""The contract tests drive the integration tests' local stack (one per module, tenants a and b) and
call the Studio's routes by their OpenAPI path templates."""

from typing import Any

import httpx
import pytest

from tests.contract.openapi import contract_errors
from tests.integration.conftest import api, other_tenant, small_census, stack

__all__ = ["StudioClient", "api", "other_tenant", "small_census", "stack", "studio"]


class StudioClient:
    """Sends a request to a Studio route named by its template (`/api/workspaces/{workspace_id}`, ids
    as keywords) and checks a 2xx answer's JSON body against the Studio's schema for it."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def send(
        self,
        method: str,
        template: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **ids: str,
    ) -> httpx.Response:
        """`ids` fill the template's placeholders (ids it does not name are ignored)."""
        return self.http.request(
            method, template.format(**ids), params=params, json=json, files=files, headers=headers
        )

    def call(self, method: str, template: str, **kwargs: Any) -> Any:
        """The body of a 2xx answer that conforms to the Studio's schema."""
        return self.conforming(self.send(method, template, **kwargs), method, template)

    @staticmethod
    def conforming(response: httpx.Response, method: str, template: str) -> Any:
        where = f"{method} {response.request.url.path} ({template})"
        assert 200 <= response.status_code < 300, f"{where}: {response.status_code} {response.text[:2000]}"
        body = response.json()
        errors = contract_errors(method, template, response.status_code, body)
        assert not errors, f"{where} answered outside the Studio's schema:\n" + "\n".join(errors)
        return body


@pytest.fixture(scope="module")
def studio(api: httpx.Client) -> StudioClient:
    return StudioClient(api)
