"""Live telemetry over the local gateway's WebSocket, as the Studio sees it: `{type, data}` messages on
the `websocket_url` a start answer hands out, checked against the Studio's OpenAPI schemas."""

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pytest
from planalign.adapters.store import Store, run_key
from planalign.local.stack import LocalStack
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.contract.openapi import component_errors, contract_errors
from tests.integration.conftest import make_scenario, make_workspace, upload, wait_for, wait_terminal

pytestmark = pytest.mark.integration

TERMINAL = {"completed", "failed", "cancelled"}
# The schema of each message's `data` (an update is a snapshot without its two lists).
SCHEMAS = {
    "snapshot": "RunTelemetrySnapshot",
    "update": "RunTelemetrySnapshot",
    "milestone": "TelemetryMilestone",
}
STALE_SECONDS = 10


Received = list[tuple[float, dict[str, Any]]]  # (arrival time, message)


def with_token(url: str, token: str) -> str:
    """`url` with `token` in its query, as the Studio's websocketUrl() sets it."""
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode({'token': token})}" if parts.query else urlencode({"token": token})
    return urlunsplit(parts._replace(query=query))


def receive_until(socket: ClientConnection, done: Any, timeout: float = 60) -> Received:
    received: Received = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        received.append((time.monotonic(), message))
        if done(message):
            return received
    raise AssertionError(f"no final message; got {[m['type'] for _, m in received]}")


def is_terminal_milestone(message: dict[str, Any]) -> bool:
    return message["type"] == "milestone" and message["data"]["kind"] == "terminal"


def data_errors(messages: list[dict[str, Any]]) -> list[str]:
    return [
        f"{m['type']}: {error}"
        for m in messages
        if m["type"] in SCHEMAS
        for error in component_errors(SCHEMAS[m["type"]], m["data"])
    ]


def ready_scenario(api: httpx.Client, census: bytes) -> str:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2027}})
    assert upload(api, workspace_id, census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    return scenario_id


def feed(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The activity feed the Studio keeps: the snapshot's milestones, then each newer milestone."""
    milestones: list[dict[str, Any]] = []
    for message in messages:
        if message["type"] == "snapshot":
            milestones = list(message["data"]["milestones"])
        elif message["type"] == "milestone" and (
            not milestones or message["data"]["sequence"] > milestones[-1]["sequence"]
        ):
            milestones.append(message["data"])
    return milestones


def test_the_studio_follows_a_run_on_the_websocket_url_its_start_hands_out(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    scenario_id = ready_scenario(api, small_census)
    started = api.post(f"/api/scenarios/{scenario_id}/run", json={})
    assert started.status_code == 202, started.text
    run_id, url = started.json()["id"], started.json()["websocket_url"]
    with connect(with_token(url, "token-a")) as socket:
        received = receive_until(socket, is_terminal_milestone)
    messages = [message for _, message in received]
    assert messages[0]["type"] == "snapshot" and messages[0]["data"]["run_id"] == run_id
    assert data_errors(messages) == []
    states = [m["data"] for m in messages if m["type"] in ("snapshot", "update")]
    assert states[-1]["status"] == "completed" and states[-1]["progress"] == 100
    progress = [state["progress"] for state in states]
    assert progress == sorted(progress)

    milestones = feed(messages)
    sequences = [m["sequence"] for m in milestones]
    assert sequences == sorted(set(sequences))
    kinds = [m["kind"] for m in milestones]
    assert kinds[0] == "run_started" and kinds[-1] == "terminal"
    assert [m["year"] for m in milestones if m["kind"] == "year_completed"] == [2025, 2026, 2027]
    assert [m["stage"] for m in milestones if m["kind"] == "stage_started"] == [
        "FOUNDATION",
        "EVENT_GENERATION",
        "REPORTING",
    ]

    # The event counts are the results' event trends, year by year and type by type.
    trends = api.get(f"/api/runs/{run_id}/results").json()["event_trends"]
    counts = states[-1]["event_counts"]
    assert counts["as_of_year"] == 2027
    assert counts["by_type"] == {name.upper(): sum(per_year) for name, per_year in trends.items()}
    for index, year in enumerate(("2025", "2026", "2027")):
        expected = {name.upper(): per_year[index] for name, per_year in trends.items() if per_year[index]}
        assert counts["by_year"][year] == expected
    years = [m for m in milestones if m["kind"] == "year_completed"]
    assert [m["detail"]["event_counts"] for m in years] == [counts["by_year"][str(m["year"])] for m in years]

    # The polling fallback answers the same snapshot.
    polled = api.get(f"/api/scenarios/{scenario_id}/run/telemetry")
    assert polled.status_code == 200
    body = polled.json()
    assert contract_errors("GET", "/api/scenarios/{scenario_id}/run/telemetry", 200, body) == []
    assert component_errors("RunTelemetrySnapshot", body["telemetry"]) == []
    assert body["run"] == {"run_id": run_id, "status": "completed", "error_message": None}
    assert {k: v for k, v in body["telemetry"].items() if k not in ("milestones", "performance_samples")} == (
        states[-1]
    )
    assert body["telemetry"]["milestones"] == milestones
    assert body["telemetry"]["performance_samples"]


def test_a_subscriber_from_before_the_run_sees_counts_grow_year_by_year_with_no_long_silence(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    scenario_id = ready_scenario(api, small_census)
    run_id = f"ws-{scenario_id}"
    with connect(f"{stack.ws_url}/ws/simulation/{run_id}?token=token-a") as socket:
        assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
        received = receive_until(socket, is_terminal_milestone)
    messages = [message for _, message in received]
    assert messages[0]["type"] == "snapshot"
    assert (messages[0]["data"]["status"], messages[0]["data"]["milestones"]) == ("pending", [])
    assert data_errors(messages) == []
    running = [at for at, m in received if m.get("data", {}).get("status", "running") == "running"]
    assert max((b - a for a, b in itertools.pairwise(running)), default=0) < STALE_SECONDS
    updates = [m["data"] for m in messages if m["type"] == "update"]
    # Stage changes and completed years always have their own update, however fast they follow.
    stages = [stage for stage, _ in itertools.groupby(u["current_stage"] for u in updates)]
    assert stages == ["FOUNDATION", "EVENT_GENERATION", "REPORTING"]
    as_of = [year for year, _ in itertools.groupby(u["event_counts"]["as_of_year"] for u in updates)]
    assert as_of == [None, 2025, 2026, 2027]
    assert {u["current_year"] for u in updates} == {2025, 2026, 2027}
    # Every progress report measures the stage's memory (the start of the run reports none yet).
    assert all(u["performance_metrics"]["memory_mb"] > 0 for u in updates if u["progress"] > 0)
    assert [u["event_counts"]["total"] for u in updates] == sorted(
        u["event_counts"]["total"] for u in updates
    )


def test_heartbeats_reach_the_subscribers_of_a_running_run(stack: LocalStack) -> None:
    from planalign.services.heartbeat import run_heartbeat

    store = Store()
    run_id = "ws-heartbeat"
    store.create(
        "RUN",
        run_key("tenant-a", run_id),
        {
            "id": run_id,
            "tenant_id": "tenant-a",
            "scenario_id": "sc",
            "status": "running",
            "progress": 20.0,
            "current_stage": "pipeline",
            "total_years": 1,
            "created_at": "2025-03-01T10:00:00.000Z",
            "started_at": "2025-03-01T10:00:00.000Z",
        },
    )
    with connect(f"{stack.ws_url}/ws/simulation/{run_id}?token=token-a") as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "snapshot"
        with run_heartbeat(store, run_key("tenant-a", run_id), interval=0.2):
            beats = [json.loads(socket.recv(timeout=10)) for _ in range(3)]
    assert beats == [{"type": "heartbeat", "run_id": run_id}] * 3


def test_a_batch_socket_gets_batch_telemetry_until_the_batch_ends(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    for name in ("a", "b"):
        make_scenario(api, workspace_id, name=name, config_overrides={"simulation": {"end_year": 2026}})
    assert upload(api, workspace_id, small_census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    with connect(with_token(batch["websocket_url"], "token-a")) as socket:
        received = receive_until(socket, lambda m: m.get("status") in TERMINAL)
    messages = [message for _, message in received]
    assert {m["type"] for m in messages} == {"batch_update"}
    for message in messages:
        assert set(message) == {"type", "batch_id", "status", "scenarios", "overall_progress", "timestamp"}
        assert message["batch_id"] == batch["id"]
        for entry in message["scenarios"]:
            assert set(entry) == {"scenario_id", "name", "status", "progress", "run_id"}
    final = messages[-1]
    assert final["status"] == "completed" and final["overall_progress"] == 100
    assert [(e["name"], e["status"], e["progress"]) for e in final["scenarios"]] == [
        ("a", "completed", 100),
        ("b", "completed", 100),
    ]


def test_many_subscribers_of_one_run_all_get_the_same_messages_in_order(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    scenario_id = ready_scenario(api, small_census)
    run_id = f"wsm-{scenario_id}"
    sockets = [connect(f"{stack.ws_url}/ws?token=token-a") for _ in range(30)]
    try:
        for socket in sockets:
            socket.send(json.dumps({"action": "subscribe", "run_id": run_id}))
            socket.send(json.dumps({"action": "ping"}))
        for socket in sockets:
            assert json.loads(socket.recv(timeout=10))["type"] == "pong"  # subscribed: it came after
        assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
        received = [[m for _, m in receive_until(socket, is_terminal_milestone)] for socket in sockets]
    finally:
        for socket in sockets:
            socket.close()
    assert all(messages == received[0] for messages in received)
    assert all(m["run_id"] == run_id for m in received[0])
    progress = [m["data"]["progress"] for m in received[0] if m["type"] == "update"]
    assert progress == sorted(progress) and progress[-1] == 100


def stream_record(
    event_name: str, keys: tuple[str, str], new: dict[str, Any], old: Any = None
) -> dict[str, Any]:
    """A DynamoDB stream record as the notifier gets it (NEW_AND_OLD_IMAGES)."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    record: dict[str, Any] = {
        "eventName": event_name,
        "dynamodb": {
            "Keys": {"pk": {"S": keys[0]}, "sk": {"S": keys[1]}},
            "NewImage": {k: serializer.serialize(v) for k, v in new.items()},
        },
    }
    if old is not None:
        record["dynamodb"]["OldImage"] = {k: serializer.serialize(v) for k, v in old.items()}
    return record


def test_a_stream_batch_leaves_out_only_updates_that_a_later_one_replaces(stack: LocalStack) -> None:
    from planalign.adapters.push import Push
    from planalign.services.notifications import notify

    run_id = "ws-batch-of-records"
    states = [  # status, stage, years done, progress: one write each
        ("running", "simulation", 0, 10),
        ("running", "simulation", 0, 20),
        ("running", "simulation", 1, 30),  # a completed year
        ("running", "simulation", 1, 40),
        ("running", "simulation", 1, 50),
        ("running", "pipeline", 1, 85),  # a stage change
        ("running", "pipeline", 1, 90),
        ("completed", "pipeline", 1, 100),
    ]
    runs = [
        {
            "id": run_id,
            "tenant_id": "tenant-a",
            "status": status,
            "current_stage": stage,
            "progress": progress,
            "config": {"simulation": {"start_year": 2025, "end_year": 2026}},
            "event_counts_by_year": {"2025": {"HIRE": 3}} if done else {},
            "created_at": "2025-03-01T10:00:00.000Z",
            "updated_at": f"2025-03-01T10:00:{progress:02d}.000Z",
        }
        for status, stage, done, progress in states
    ]
    keys = (f"RUN#tenant-a#{run_id}", "A")
    records = [stream_record("MODIFY", keys, new, old) for old, new in itertools.pairwise(runs)]
    event = {
        "seq": 1,
        "timestamp": "2025-03-01T10:00:30.000Z",
        "kind": "year_completed",
        "stage": "simulation",
        "year": 2025,
        "message": "year 2025",
    }
    records.insert(3, stream_record("INSERT", (f"RUN#tenant-a#{run_id}", "EV#00000001"), event))
    with (
        connect(f"{stack.ws_url}/ws?token=token-a") as watcher,
        connect(f"{stack.ws_url}/ws?token=token-b") as intruder,
    ):
        for socket in (watcher, intruder):
            socket.send(json.dumps({"action": "subscribe", "run_id": run_id}))
            socket.send(json.dumps({"action": "ping"}))
            assert json.loads(socket.recv(timeout=10))["type"] == "pong"
        assert notify(Store(), Push(stack.api_url), records) == 4
        messages = [json.loads(watcher.recv(timeout=10)) for _ in range(4)]
        with pytest.raises(TimeoutError):
            intruder.recv(timeout=0.5)
    assert [(m["type"], m["data"].get("progress")) for m in messages] == [
        ("update", 30),
        ("milestone", None),
        ("update", 85),
        ("update", 100),
    ]


def test_unsubscribe_stops_messages(stack: LocalStack, api: httpx.Client, small_census: bytes) -> None:
    scenario_id = ready_scenario(api, small_census)
    run_id = f"wsu-{scenario_id}"
    with (
        connect(f"{stack.ws_url}/ws/simulation/{run_id}?token=token-a") as watching,
        connect(f"{stack.ws_url}/ws?token=token-a") as leaving,
    ):
        leaving.send(json.dumps({"action": "subscribe", "run_id": run_id}))
        leaving.send(json.dumps({"action": "unsubscribe", "run_id": run_id}))
        leaving.send(json.dumps({"action": "ping"}))
        assert json.loads(leaving.recv(timeout=10))["type"] == "pong"
        assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
        assert receive_until(watching, is_terminal_milestone)[0][1]["type"] == "snapshot"
        with pytest.raises(TimeoutError):
            leaving.recv(timeout=0.5)


def test_another_tenant_gets_no_message_about_the_run(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    scenario_id = ready_scenario(api, small_census)
    run_id = f"wst-{scenario_id}"
    with connect(f"{stack.ws_url}/ws/simulation/{run_id}?token=token-b") as intruder:
        assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
        wait_terminal(api, run_id)
        with pytest.raises(TimeoutError):
            intruder.recv(timeout=0.5)
    # Nor when it connects after the run exists.
    with (
        connect(f"{stack.ws_url}/ws/simulation/{run_id}?token=token-b") as intruder,
        pytest.raises(TimeoutError),
    ):
        intruder.recv(timeout=0.5)


def test_bad_messages_get_an_error_and_bad_tokens_or_ids_are_refused(stack: LocalStack) -> None:
    with connect(f"{stack.ws_url}/ws?token=token-a") as socket:
        socket.send("not json")
        assert json.loads(socket.recv(timeout=10)) == {"type": "error", "detail": "message is not JSON"}
        socket.send(json.dumps({"action": "dance"}))
        assert json.loads(socket.recv(timeout=10))["type"] == "error"
        socket.send(json.dumps({"action": "subscribe"}))
        assert "run_id" in json.loads(socket.recv(timeout=10))["detail"]
    for url in (f"{stack.ws_url}/ws?token=wrong", f"{stack.ws_url}/ws?token=token-a&run_id=a%20b"):
        with pytest.raises(InvalidStatus) as refused:
            connect(url)
        assert refused.value.response.status_code == 403


def test_a_gone_connection_is_forgotten_after_the_410(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    from planalign.adapters.push import Push
    from planalign.services.subscriptions import connect, subscribe, subscribers

    scenario_id = ready_scenario(api, small_census)
    run_id = f"wsg-{scenario_id}"
    topic = f"RUN#tenant-a#{run_id}"
    store = Store()
    # A socket that closed without its $disconnect reaching us: only the 410 tells.
    connect(store, "ghost", "tenant-a")
    subscribe(store, Push(stack.api_url), "ghost", "tenant-a", topic)
    assert subscribers(store, topic, "tenant-a") == ["ghost"]
    assert Push(stack.api_url).send("ghost", {}) is False  # the gateway answers 410
    assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
    wait_terminal(api, run_id)
    assert subscribers(store, topic, "tenant-a") == []
    assert store.get_entry("CONN#ghost", "A") is None
