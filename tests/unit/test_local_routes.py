"""The local gateway picks among matching routes as API Gateway does: the most specific route wins, so
the census function's explicit routes take their paths from /api/workspaces/{proxy+}."""

from pathlib import Path

import pytest
from planalign.local.auth import LocalAuth
from planalign.local.gateway import HttpGateway, cors_headers
from planalign.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gateway() -> HttpGateway:
    return HttpGateway(load_template(ROOT).routes, runner=None, auth=LocalAuth())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "path", "function"),
    [
        ("POST", "/api/workspaces/ws_1/imports/upload", "CensusApiFunction"),
        ("GET", "/api/workspaces/ws_1/imports/imp_1/mapped-preview", "CensusApiFunction"),
        ("PATCH", "/api/workspaces/ws_1/imports/imp_1/sheet", "CensusApiFunction"),
        ("GET", "/api/workspaces/ws_1/parquet-files", "CensusApiFunction"),
        ("DELETE", "/api/workspaces/ws_1/parquet-files/ds_1", "CensusApiFunction"),
        ("GET", "/api/workspaces/ws_1/parquet-files/ds_1/download", "CensusApiFunction"),
        ("POST", "/api/workspaces/ws_1/mapping-templates", "CensusApiFunction"),
        ("POST", "/api/workspaces/ws_1/analyze-turnover", "CensusApiFunction"),
        ("POST", "/api/workspaces/ws_1/solve-compensation-growth", "CensusApiFunction"),
        ("GET", "/api/workspaces/ws_1/config/bands", "CensusApiFunction"),
        ("GET", "/api/workspaces/ws_1/config/promotion-hazards", "CensusApiFunction"),
        ("GET", "/api/workspaces/ws_1/scenarios/sc_1/analytics/dc-plan", "AnalyticsApiFunction"),
        ("GET", "/api/workspaces/ws_1/analytics/dc-plan/compare", "AnalyticsApiFunction"),
        ("GET", "/api/workspaces/ws_1/scenarios/sc_1/evidence-pack", "AnalyticsApiFunction"),
        ("GET", "/api/workspaces/ws_1/analytics/winners-losers", "AnalyticsApiFunction"),
        ("GET", "/api/workspaces/ws_1/scenarios/sc_1/employees", "AnalyticsApiFunction"),
        ("GET", "/api/workspaces/ws_1/scenarios/sc_1/employees/E%201/timeline", "AnalyticsApiFunction"),
        ("GET", "/api/vesting/schedules", "VestingNdtApiFunction"),
        ("POST", "/api/workspaces/ws_1/scenarios/sc_1/analytics/vesting", "VestingNdtApiFunction"),
        ("GET", "/api/workspaces/ws_1/analytics/ndt/415", "VestingNdtApiFunction"),
        ("GET", "/api/templates", "SystemApiFunction"),
        ("GET", "/api/templates/baseline", "SystemApiFunction"),
        # Everything else of a workspace stays where it was.
        ("POST", "/api/workspaces/ws_1/upload", "WorkspacesApiFunction"),
        ("GET", "/api/workspaces/ws_1/datasets", "WorkspacesApiFunction"),
        ("PUT", "/api/workspaces/ws_1", "WorkspacesApiFunction"),
        ("GET", "/api/workspaces", "WorkspacesApiFunction"),
        # A method the explicit route does not take falls back to the greedy one, as in API Gateway.
        ("PUT", "/api/workspaces/ws_1/config/bands", "WorkspacesApiFunction"),
    ],
)
def test_the_most_specific_route_wins(gateway: HttpGateway, method: str, path: str, function: str) -> None:
    matched = gateway.match(method, path)
    assert matched is not None, (method, path)
    assert matched[0].function == function


def test_a_greedy_route_with_more_literal_segments_is_tried_first(gateway: HttpGateway) -> None:
    paths = [route.path for route in gateway.routes]
    assert paths.index("/api/workspaces/{workspace_id}/imports/{proxy+}") < paths.index(
        "/api/workspaces/{proxy+}"
    )
    assert paths.index("/api/workspaces/{workspace_id}/config/bands") < paths.index(
        "/api/workspaces/{proxy+}"
    )
    matched = gateway.match("GET", "/api/workspaces/ws_1/imports/imp_1")
    assert matched is not None
    assert matched[1] == {"workspace_id": "ws_1", "proxy": "imp_1"}


def test_cors_allows_loopback_pages_or_else_only_the_studio_origins_named() -> None:
    assert cors_headers("http://127.0.0.1:5173", ())["access-control-allow-origin"] == "http://127.0.0.1:5173"
    assert cors_headers("http://[::1]:4173", ())["access-control-allow-origin"] == "http://[::1]:4173"
    for origin in ("https://example.com", "http://localhost.example.com", "null", None):
        assert "access-control-allow-origin" not in cors_headers(origin, ())
    named = ("https://studio.example.com",)
    assert cors_headers(named[0], named)["access-control-allow-origin"] == named[0]
    assert "access-control-allow-origin" not in cors_headers("http://localhost:5173", named)
