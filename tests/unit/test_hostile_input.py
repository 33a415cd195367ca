"""Input that once gave 500s or worse: each is a clear 4xx with `detail` now, and nothing stored is lost.
The routes run in-process on a moto-backed store."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from planalign.adapters.store import Store, encode_cursor
from planalign.api import services, tenant
from planalign.api.app import create_app
from planalign.api.errors import SHOWN_INPUT_CHARS
from planalign.api.scenarios import router as scenarios_router
from planalign.api.workspaces import router as workspaces_router
from planalign.errors import InvalidRequest
from planalign.services.subscriptions import MAX_TOPICS_PER_CONNECTION, connect, handle_message


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(workspaces_router, scenarios_router)
    app.dependency_overrides[tenant.tenant_of] = lambda: "tenant-a"
    app.dependency_overrides[services.get_store] = lambda: store
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_body_that_is_not_utf8_is_422_whatever_its_content_type(client: TestClient) -> None:
    for content_type in ("text/plain", "application/json", "application/octet-stream"):
        answer = client.post(
            "/api/workspaces", content=b"\xff\xfe\x00", headers={"content-type": content_type}
        )
        assert answer.status_code == 422, (content_type, answer.text)
        assert answer.json()["detail"]


def test_a_broken_multipart_body_is_422(client: TestClient, store: Store) -> None:
    created = client.post("/api/workspaces", json={"name": "upload"}).json()
    answer = client.post(
        f"/api/workspaces/{created['id']}/upload",
        content=b"--b\r\n96--b--\r\n",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith("body: ")


def test_a_422_repeats_a_long_input_only_in_part(client: TestClient) -> None:
    answer = client.post("/api/workspaces", json={"name": "x" * 100_000})
    assert answer.status_code == 422
    shown = answer.json()["detail"][0]["input"]
    assert shown.startswith("x" * SHOWN_INPUT_CHARS) and shown.endswith("(100,000 characters)")
    assert len(answer.content) < 2_000


def test_a_config_nested_900_deep_is_422_naming_the_path(client: TestClient) -> None:
    deep: dict = {}
    for _ in range(900):
        deep = {"x": deep}
    answer = client.post("/api/workspaces", json={"name": "deep", "base_config": {"simulation": deep}})
    assert answer.status_code == 422
    assert "simulation" in answer.json()["detail"]
    assert client.get("/api/workspaces").json() == []


def test_lists_are_bounded_before_they_reach_the_table(client: TestClient) -> None:
    answer = client.post("/api/workspaces", json={"name": "x", "auto_run_scenarios": ["sc_x"] * 20_000})
    assert answer.status_code == 422
    tiers = [{"employee_min": 0, "employee_max": 0.01, "match_rate": 1}] * 20_000
    created = client.post("/api/workspaces", json={"name": "tiers"}).json()
    answer = client.post(
        f"/api/workspaces/{created['id']}/scenarios",
        json={"name": "many tiers", "config_overrides": {"dc_plan": {"match_tiers": tiers}}},
    )
    assert answer.status_code == 422 and "dc_plan.match_tiers" in answer.json()["detail"]


def test_a_cursor_is_bound_to_its_list(client: TestClient, store: Store) -> None:
    for forged in (
        "e30=",
        "bm9wZQ==",
        "!!!",
        encode_cursor({"pk": "WS#x", "sk": "A", "gsi1pk": "T#tenant-b#WS", "gsi1sk": "x"}),
    ):
        answer = client.get("/api/workspaces", params={"cursor": forged, "limit": 1})
        assert answer.status_code == 422, forged
        assert "cursor" in answer.json()["detail"]
    with pytest.raises(InvalidRequest):
        store.list_page("T#tenant-a#WS", limit=1, cursor=encode_cursor({"pk": "WS#x"}))


def test_no_redirect_for_a_trailing_slash_or_a_whitespace_id(client: TestClient) -> None:
    assert client.get("/api/workspaces/", follow_redirects=False).status_code == 404
    answer = client.get("/api/workspaces/%0D", follow_redirects=False)
    assert answer.status_code == 404 and answer.json()["detail"]


def test_the_openapi_documents_the_error_answers(client: TestClient) -> None:
    responses = client.get("/api/openapi.json").json()["paths"]["/api/workspaces/{workspace_id}"]["put"][
        "responses"
    ]
    for status in ("401", "404", "409", "422"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorAnswer")


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, connection_id: str, message: dict) -> bool:
        self.sent.append(message)
        return True


def test_a_connection_follows_a_bounded_number_of_runs(store: Store) -> None:
    push = Recorder()
    connect(store, "c1", "tenant-a")
    for k in range(MAX_TOPICS_PER_CONNECTION):
        handle_message(
            store, push, "c1", "tenant-a", "subscribe", f'{{"action": "subscribe", "run_id": "r{k}"}}'
        )
    assert not [m for m in push.sent if m.get("type") == "error"]
    handle_message(
        store, push, "c1", "tenant-a", "subscribe", '{"action": "subscribe", "run_id": "one-more"}'
    )
    assert push.sent[-1]["type"] == "error" and "at most" in push.sent[-1]["detail"]
    # Unsubscribing frees a place.
    handle_message(store, push, "c1", "tenant-a", "unsubscribe", '{"action": "unsubscribe", "run_id": "r0"}')
    handle_message(
        store, push, "c1", "tenant-a", "subscribe", '{"action": "subscribe", "run_id": "one-more"}'
    )
    assert [m["type"] for m in push.sent].count("error") == 1


def test_a_tenant_over_its_storage_gets_429_on_upload(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planalign.services import usage
    from planalign.settings import get_settings

    monkeypatch.setenv("TENANT_STORAGE_LIMIT_MB", "1")
    get_settings.cache_clear()
    workspace_id = client.post("/api/workspaces", json={"name": "full"}).json()["id"]
    usage.count(store, "tenant-a", storage_bytes=2 * 1024 * 1024)
    answer = client.post(f"/api/workspaces/{workspace_id}/uploads", json={"filename": "census.csv"})
    get_settings.cache_clear()
    assert answer.status_code == 429
    assert "limit of 1 MB" in answer.json()["detail"]
