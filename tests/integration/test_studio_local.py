"""What running the Studio on a laptop needs from `planalign local`: no token with `--no-auth`, a
Studio build served on the API's origin (client-side routes fall back to index.html), a session
cookie so the links the Studio opens without headers download, CORS for its methods and headers,
and the plain census upload with its size limit."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

from tests.integration.conftest import make_scenario, make_workspace, wait_terminal

pytestmark = pytest.mark.integration
MAX_REQUEST_BYTES = 200_000


@pytest.fixture(scope="module")
def studio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("studio")
    (folder / "index.html").write_text("<!doctype html><title>PlanAlign Studio</title>")
    (folder / "assets").mkdir()
    (folder / "assets" / "app.js").write_text("console.log('studio')")
    return folder


@pytest.fixture(scope="module")
def open_stack(studio_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with LocalStack(
        data_dir=tmp_path_factory.mktemp("open-data"),
        no_auth=True,
        studio_dir=studio_dir,
        parameters={"MaxRequestBytes": str(MAX_REQUEST_BYTES)},
    ) as running:
        yield running


def test_no_auth_serves_one_tenant_without_a_token(open_stack: LocalStack) -> None:
    created = httpx.post(f"{open_stack.api_url}/api/workspaces", json={"name": "laptop"})
    assert created.status_code == 201
    listed = httpx.get(f"{open_stack.api_url}/api/workspaces").json()
    assert [workspace["id"] for workspace in listed] == [created.json()["id"]]


def test_no_auth_is_refused_off_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalStack(host="0.0.0.0", no_auth=True)


def test_the_studio_is_served_on_the_api_origin_with_client_side_routes(open_stack: LocalStack) -> None:
    base = open_stack.api_url
    assert "PlanAlign Studio" in httpx.get(f"{base}/").text
    assert httpx.get(f"{base}/assets/app.js").text == "console.log('studio')"
    # A route of the Studio's router, reloaded in the browser, is its index.html ...
    deep = httpx.get(f"{base}/analytics/compare")
    assert deep.status_code == 200 and "PlanAlign Studio" in deep.text
    # ... but an unknown API path stays a JSON 404, and nothing outside the build is served.
    assert httpx.get(f"{base}/api/nope").json() == {"detail": "Not Found"}
    assert "PlanAlign Studio" in httpx.get(f"{base}/../../etc/passwd").text


def test_cors_allows_the_studios_methods_and_exposes_its_headers(open_stack: LocalStack) -> None:
    preflight = httpx.options(
        f"{open_stack.api_url}/api/workspaces/x/imports/y/sheet",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PATCH"},
    )
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    # A Studio on a loopback port (vite's dev server, `vite preview`) is named as allowed; another
    # site is not, so its pages cannot read the local API's answers.
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
    preview = httpx.get(f"{open_stack.api_url}/api/health", headers={"Origin": "http://127.0.0.1:4173"})
    assert preview.headers["access-control-allow-origin"] == "http://127.0.0.1:4173"
    elsewhere = httpx.get(f"{open_stack.api_url}/api/health", headers={"Origin": "https://example.com"})
    assert "access-control-allow-origin" not in elsewhere.headers
    exposed = httpx.get(f"{open_stack.api_url}/api/health").headers["access-control-expose-headers"]
    for header in ("x-planalign-run-warning", "x-planalign-active-run-id", "x-planalign-result-run-id"):
        assert header in exposed


def test_plain_upload_imports_sets_the_census_and_a_run_uses_it(open_stack: LocalStack) -> None:
    api = httpx.Client(base_url=open_stack.api_url, timeout=60)
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    census = census_csv(generate_census(300, seed=3))
    answer = api.post(f"/api/workspaces/{workspace_id}/upload", files={"file": ("people.csv", census)})
    assert answer.status_code == 201, answer.text
    uploaded = answer.json()
    assert (uploaded["row_count"], uploaded["file_name"]) == (300, "people.csv")
    assert uploaded["file_path"].startswith("datasets/ds_") and uploaded["file_path"].endswith("/people.csv")
    workspace = api.get(f"/api/workspaces/{workspace_id}").json()
    assert workspace["base_config"]["setup"]["census_parquet_path"] == uploaded["file_path"]

    valid = api.post(
        f"/api/workspaces/{workspace_id}/validate-path", json={"file_path": uploaded["file_path"]}
    )
    assert (valid.json()["valid"], valid.json()["row_count"]) == (True, 300)
    unknown = api.post(f"/api/workspaces/{workspace_id}/validate-path", json={"file_path": "data/x.parquet"})
    assert unknown.status_code == 200 and unknown.json()["valid"] is False and unknown.json()["error_message"]

    started = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()
    run = wait_terminal(api, started["id"])
    assert run["status"] == "completed"
    assert run["dataset_id"] == uploaded["file_path"].split("/")[1]
    assert api.get(f"/api/scenarios/{scenario_id}/results").json()["run_id"] == run["id"]


def test_a_census_over_the_request_limit_is_413_naming_the_presigned_route(open_stack: LocalStack) -> None:
    api = httpx.Client(base_url=open_stack.api_url, timeout=60)
    workspace_id = make_workspace(api)
    big = census_csv(generate_census(5_000, seed=3))
    assert len(big) > MAX_REQUEST_BYTES
    answer = api.post(f"/api/workspaces/{workspace_id}/upload", files={"file": ("big.csv", big)})
    assert answer.status_code == 413
    assert f"/api/workspaces/{workspace_id}/uploads" in answer.json()["detail"]
    assert api.get(f"/api/workspaces/{workspace_id}/datasets").json() == []


def test_a_census_that_cannot_be_imported_is_422_with_the_reason(open_stack: LocalStack) -> None:
    api = httpx.Client(base_url=open_stack.api_url, timeout=60)
    workspace_id = make_workspace(api)
    answer = api.post(
        f"/api/workspaces/{workspace_id}/upload", files={"file": ("x.csv", b"name,colour\nann,red\n")}
    )
    assert answer.status_code == 422
    assert "employee_id" in answer.json()["detail"]


def test_a_text_body_that_is_not_utf8_is_a_422_through_the_gateway(open_stack: LocalStack) -> None:
    for content_type in ("text/plain", "application/json"):
        answer = httpx.post(
            f"{open_stack.api_url}/api/workspaces",
            content=b"\xff\xfe{",
            headers={"content-type": content_type},
        )
        assert answer.status_code in (400, 422) and answer.json()["detail"], answer.text
