"""A tenant API token made by `planalign tokens create` against the running local stack carries a whole
run: HTTP with the bearer header, the session cookie the gateway then sets (as the front door does),
and the Studio's `/ws/simulation/{run_id}` socket; revoked, it is refused where no answer is cached."""

import json

import httpx
import pytest
from planalign.cli import main
from planalign.local.auth import SESSION_COOKIE
from planalign.local.stack import LocalStack
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.integration.conftest import make_scenario, make_workspace, upload, wait_for

pytestmark = pytest.mark.integration


def planalign(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_a_whole_run_with_a_token_from_planalign_tokens_create(
    stack: LocalStack, small_census: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stack.journal is not None
    data_dir = str(stack.journal.root)
    made = json.loads(
        planalign(capsys, "tokens", "create", "--tenant", "acme", "--data-dir", data_dir, "--json")
    )
    token = made["token"]
    assert token not in stack.tokens  # not a PLANALIGN_API_TOKENS shortcut: the authorizer looks it up
    assert made["id"] in planalign(capsys, "tokens", "list", "--data-dir", data_dir)

    api = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2026}})
    assert upload(api, workspace_id, small_census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    # Another tenant's token does not reach it.
    other = httpx.get(f"{stack.api_url}/api/workspaces/{workspace_id}", headers={"X-API-Token": "token-a"})
    assert other.status_code == 404

    started = api.post(f"/api/scenarios/{scenario_id}/run", json={})
    assert started.status_code == 202, started.text
    run_id, url = started.json()["id"], started.json()["websocket_url"]
    assert url == f"{stack.ws_url}/ws/simulation/{run_id}"
    with connect(f"{url}?token={token}") as socket:
        kinds = []
        while not kinds or kinds[-1] != "terminal":
            message = json.loads(socket.recv(timeout=90))
            if message["type"] == "snapshot":  # the milestones before the socket was subscribed
                kinds.extend(milestone["kind"] for milestone in message["data"]["milestones"])
            if message["type"] == "milestone":
                kinds.append(message["data"]["kind"])
    assert kinds[0] == "run_started"
    assert api.get(f"/api/runs/{run_id}").json()["status"] == "completed"
    assert api.get(f"/api/scenarios/{scenario_id}/results").status_code == 200

    # The header's token became the session cookie: a plain link (no header) is signed in with it.
    assert api.cookies.get(SESSION_COOKIE) == token
    export = httpx.get(
        f"{stack.api_url}/api/scenarios/{scenario_id}/results/export?format=csv",
        cookies={SESSION_COOKIE: token},
    )
    assert export.status_code == 307
    # ... and so is a socket opened without ?token=, as a browser sends the cookie with it.
    with connect(url, additional_headers={"Cookie": f"{SESSION_COOKIE}={token}"}) as socket:
        assert json.loads(socket.recv(timeout=30))["type"] == "snapshot"


def test_a_revoked_token_is_refused_at_connect_at_once_and_over_http_once_the_cache_expires(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stack.journal is not None
    data_dir = str(stack.journal.root)
    made = json.loads(
        planalign(capsys, "tokens", "create", "--tenant", "acme", "--data-dir", data_dir, "--json")
    )
    headers = {"X-API-Token": made["token"]}
    assert httpx.get(f"{stack.api_url}/api/workspaces", headers=headers).status_code == 200
    assert "revoked" in planalign(capsys, "tokens", "revoke", made["id"], "--data-dir", data_dir)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{stack.ws_url}/ws/simulation/run_1?token={made['token']}")
    assert refused.value.response.status_code == 403
    # API Gateway caches the HTTP authorizer's answer per Authorization header (300 s); so does the gateway.
    assert httpx.get(f"{stack.api_url}/api/workspaces", headers=headers).status_code == 200
    assert stack.auth.authorizer is not None
    stack.auth.authorizer.forget_answers()
    assert httpx.get(f"{stack.api_url}/api/workspaces", headers=headers).status_code == 401


def test_a_socket_path_the_front_door_does_not_know_is_404(stack: LocalStack) -> None:
    for path in ("/ws/simulation/run.1", "/ws/telemetry/run_1", "/ws/simulation/"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{stack.ws_url}{path}?token=token-a")
        assert refused.value.response.status_code == 404, path


def test_sign_in_opens_a_session_cookie_and_sign_out_drops_it(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Studio built without a token: the sign-in page posts the pasted token once as X-API-Token, the
    answer sets the session cookie every later request carries, and signing out expires it."""
    assert stack.journal is not None
    data_dir = str(stack.journal.root)
    made = json.loads(
        planalign(capsys, "tokens", "create", "--tenant", "signin", "--data-dir", data_dir, "--json")
    )
    browser = httpx.Client(base_url=stack.api_url, timeout=30)
    page = browser.get("/api/signin")
    assert page.status_code == 200
    assert 'fetch("/api/session"' in page.text and "X-API-Token" in page.text

    refused = browser.post("/api/session", headers={"X-API-Token": "pat_not-a-token"})
    assert refused.status_code == 401
    assert SESSION_COOKIE not in browser.cookies

    opened = browser.post("/api/session", headers={"X-API-Token": made["token"]})
    assert opened.status_code == 200
    assert opened.json() == {"tenant_id": "signin"}
    assert browser.cookies.get(SESSION_COOKIE) == made["token"]
    assert browser.get("/api/workspaces").status_code == 200  # the cookie alone signs it in

    closed = browser.delete("/api/session")
    assert closed.status_code == 204
    assert SESSION_COOKIE not in browser.cookies
    assert browser.get("/api/workspaces").status_code == 401
