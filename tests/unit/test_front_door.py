"""The front door's CloudFront Functions, run under node from template.yaml's own code (with the
template's default StageName), and the local gateway's same WebSocket rewrite: one table of cases."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from planalign.api.app import create_app, lambda_handler
from planalign.local.gateway import studio_socket_query
from planalign.local.lambda_runtime import LambdaContext
from planalign.local.template import load_template
from planalign.services.links import websocket_link
from planalign.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
COOKIE = "planalign_token"

# Runs each function's code in a fresh context and calls its handler with each event.
NODE_HARNESS = """
const vm = require('vm');
const runs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const answers = runs.map(({code, events}) => {
  const context = vm.createContext({});
  vm.runInContext(code, context);
  return events.map((event) => JSON.parse(JSON.stringify(context.handler(event))));
});
process.stdout.write(JSON.stringify(answers));
"""

# (path, query, cookies) -> the query `$connect` gets, or None: 404, nothing reaches the WebSocket API.
SOCKET_CASES: list[tuple[str, dict[str, str], dict[str, str], dict[str, str] | None]] = [
    ("/ws/simulation/run_01jd4k", {"token": "t1"}, {}, {"token": "t1", "run_id": "run_01jd4k"}),
    ("/ws/batch/batch_01jd4k", {"token": "t1"}, {}, {"token": "t1", "batch_id": "batch_01jd4k"}),
    ("/ws/simulation/run-1_A", {}, {COOKIE: "c1"}, {"run_id": "run-1_A", "token": "c1"}),
    ("/ws/simulation/run_1", {"token": "t1"}, {COOKIE: "c1"}, {"token": "t1", "run_id": "run_1"}),
    ("/ws/simulation/run_1", {"token": ""}, {COOKIE: "c1"}, {"token": "c1", "run_id": "run_1"}),
    ("/ws/simulation/run_1", {"run_id": "run_2", "token": "t1"}, {}, {"run_id": "run_1", "token": "t1"}),
    (
        "/ws/batch/batch_1",
        {"token": "t1", "extra": "kept"},
        {},
        {"token": "t1", "extra": "kept", "batch_id": "batch_1"},
    ),
    ("/ws", {"token": "t1"}, {}, {"token": "t1"}),
    ("/ws/", {}, {COOKIE: "c1"}, {"token": "c1"}),
    ("/ws", {"token": "t1", "run_id": "run_1"}, {}, {"token": "t1", "run_id": "run_1"}),
    ("/ws/simulation/run_1", {}, {}, {"run_id": "run_1"}),
    ("/ws/simulation/", {"token": "t1"}, {}, None),
    ("/ws/simulation", {"token": "t1"}, {}, None),
    ("/ws/simulation/run_1/more", {"token": "t1"}, {}, None),
    ("/ws/simulation/run.1", {"token": "t1"}, {}, None),
    ("/ws/telemetry/run_1", {"token": "t1"}, {}, None),
    ("/ws/batch", {}, {}, None),
    ("/wsx", {}, {}, None),
]


def cloudfront_event(
    uri: str,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    status: int | None = None,
) -> dict[str, Any]:
    """An event as CloudFront Functions get it (runtime 2.0): values under `value`, names lower-case."""
    event: dict[str, Any] = {
        "version": "1.0",
        "context": {"distributionDomainName": "d111.cloudfront.net", "eventType": "viewer-request"},
        "viewer": {"ip": "192.0.2.1"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": {k: {"value": v} for k, v in (query or {}).items()},
            "headers": {k: {"value": v} for k, v in (headers or {}).items()},
            "cookies": {k: {"value": v} for k, v in (cookies or {}).items()},
        },
    }
    if status is not None:
        event["context"]["eventType"] = "viewer-response"
        event["response"] = {"statusCode": status, "headers": {}, "cookies": {}}
    return event


def run_function(logical_id: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH (Node 20 runs the CloudFront Functions' code)")
    template = load_template(ROOT)
    code = template.resolve(template.resources[logical_id]["Properties"]["FunctionCode"])
    result = subprocess.run(
        [node, "-e", NODE_HARNESS],
        input=json.dumps([{"code": code, "events": events}]),
        capture_output=True,
        text=True,
        check=True,
    )
    answers: list[dict[str, Any]] = json.loads(result.stdout)[0]
    return answers


def test_the_websocket_path_function_and_the_gateway_rewrite_each_case_alike() -> None:
    stage_path = "/" + load_template(ROOT).parameters["StageName"]
    answers = run_function(
        "WebSocketPathFunction",
        [cloudfront_event(path, query, cookies=cookies) for path, query, cookies, _ in SOCKET_CASES],
    )
    for (path, query, cookies, expected), answer in zip(SOCKET_CASES, answers, strict=True):
        case = (path, query, cookies)
        assert studio_socket_query(path, query, cookies) == expected, case
        if expected is None:
            assert answer["statusCode"] == 404, case
        else:
            assert answer["uri"] == stage_path, case
            assert {k: v["value"] for k, v in answer["querystring"].items()} == expected, case


@pytest.mark.parametrize(
    ("headers", "cookies", "authorization"),
    [
        ({"authorization": "Bearer pat_a"}, {COOKIE: "pat_c"}, "Bearer pat_a"),
        ({"x-api-token": "pat_b"}, {COOKIE: "pat_c"}, "Bearer pat_b"),
        ({}, {COOKIE: "pat_c"}, "Bearer pat_c"),
        ({}, {}, None),
    ],
)
def test_the_api_request_function_puts_the_credential_in_the_authorization_header(
    headers: dict[str, str], cookies: dict[str, str], authorization: str | None
) -> None:
    headers = {"host": "studio.example.com", "x-forwarded-host": "spoofed.example", **headers}
    (request,) = run_function(
        "ApiRequestFunction", [cloudfront_event("/api/workspaces", {}, headers, cookies)]
    )
    answered = {k: v["value"] for k, v in request["headers"].items()}
    assert answered.get("authorization") == authorization
    assert answered["x-forwarded-host"] == "studio.example.com"
    assert request["uri"] == "/api/workspaces"


@pytest.mark.parametrize(
    ("headers", "cookies", "status", "cookie"),
    [
        ({"authorization": "Bearer pat_a"}, {}, 200, "pat_a"),
        ({"authorization": "bearer pat_a"}, {COOKIE: "pat_old"}, 201, "pat_a"),
        ({"x-api-token": "pat_b"}, {COOKIE: "pat_c"}, 307, "pat_b"),
        ({"authorization": "Bearer pat_a"}, {COOKIE: "pat_a"}, 200, None),  # already set
        # the cookie itself, which the request function put in the header
        ({"authorization": "Bearer pat_c"}, {COOKIE: "pat_c"}, 200, None),
        ({"authorization": "Bearer pat_a"}, {}, 403, None),  # refused (CloudFront would not even call it)
        ({}, {}, 200, None),
    ],
)
def test_the_api_response_function_turns_an_accepted_header_credential_into_the_session_cookie(
    headers: dict[str, str], cookies: dict[str, str], status: int, cookie: str | None
) -> None:
    (response,) = run_function(
        "ApiResponseFunction", [cloudfront_event("/api/system/status", {}, headers, cookies, status)]
    )
    if cookie is None:
        assert response["cookies"] == {}
    else:
        assert response["cookies"] == {
            COOKIE: {"value": cookie, "attributes": "Path=/; Secure; HttpOnly; SameSite=Strict"}
        }


def test_links_name_the_front_door_a_request_came_through(monkeypatch: pytest.MonkeyPatch) -> None:
    """The front door's X-Forwarded-Host reaches a route run by Mangum in its thread pool; without it,
    the configured URLs are used (the distribution cannot be in the functions' environment)."""
    monkeypatch.setenv("STUDIO_WEBSOCKET_URL", "")
    monkeypatch.setenv("WEBSOCKET_URL", "wss://abc.execute-api.us-east-1.amazonaws.com/dev")
    get_settings.cache_clear()
    router = APIRouter()

    @router.get("/api/link")
    def link() -> dict[str, str]:
        return {"url": websocket_link("simulation", "run_1")}

    handler = lambda_handler(create_app(router))

    def link_through(headers: dict[str, str]) -> str:
        event = {
            "version": "2.0",
            "routeKey": "GET /api/link",
            "rawPath": "/api/link",
            "rawQueryString": "",
            "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", **headers},
            "requestContext": {
                "http": {
                    "method": "GET",
                    "path": "/api/link",
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.1",
                },
                "stage": "$default",
                "requestId": "r1",
                "routeKey": "GET /api/link",
            },
            "isBase64Encoded": False,
        }
        context = LambdaContext(
            "SystemApiFunction", "arn:aws:lambda:us-east-1:1:function:f", 512, 29, "r1", 0.0
        )
        return str(json.loads(handler(event, context)["body"])["url"])

    try:
        assert link_through({"x-forwarded-host": "studio.example.com"}) == (
            "wss://studio.example.com/ws/simulation/run_1"
        )
        assert link_through({}) == "wss://abc.execute-api.us-east-1.amazonaws.com/dev?run_id=run_1"
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("headers", "openapi_url"),
    [({}, "/dev/api/openapi.json"), ({"x-forwarded-host": "studio.example.com"}, "/api/openapi.json")],
)
def test_the_docs_page_asks_for_the_openapi_the_viewer_can_reach(
    headers: dict[str, str], openapi_url: str
) -> None:
    """On the API's own URL behind the stage `dev` the OpenAPI is under `/dev`; through the front door,
    which routes only `/api/*` to that stage, it is under `/api`."""
    handler = lambda_handler(create_app(APIRouter()))
    event = {
        "version": "2.0",
        "routeKey": "GET /api/docs",
        "rawPath": "/dev/api/docs",
        "rawQueryString": "",
        "headers": {"host": "abc.execute-api.us-east-1.amazonaws.com", **headers},
        "requestContext": {
            "http": {
                "method": "GET",
                "path": "/dev/api/docs",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
            },
            "stage": "dev",
            "requestId": "r1",
            "routeKey": "GET /api/docs",
        },
        "isBase64Encoded": False,
    }
    context = LambdaContext("SystemApiFunction", "arn:aws:lambda:us-east-1:1:function:f", 512, 29, "r1", 0.0)
    response = handler(event, context)
    assert response["statusCode"] == 200
    assert f"url: '{openapi_url}'" in response["body"]
