"""Live progress over the local gateway's WebSocket, as a frontend sees it."""

import itertools
import json
import time
from typing import Any

import httpx
import pytest
from planalign.local.stack import LocalStack
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.integration.conftest import make_scenario, make_workspace, upload, wait_for, wait_terminal

pytestmark = pytest.mark.integration


def receive_until(socket: ClientConnection, done: Any, timeout: float = 60) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        messages.append(message)
        if done(message):
            return messages
    raise AssertionError(f"no final message; got {[m['type'] for m in messages]}")


def ready_scenario(api: httpx.Client, census: bytes) -> str:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2027}})
    assert upload(api, workspace_id, census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    return scenario_id


def is_terminal_milestone(message: dict[str, Any]) -> bool:
    return message["type"] == "milestone" and message["kind"] == "terminal"


def test_subscriber_sees_snapshot_ordered_updates_milestones_and_terminal(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    scenario_id = ready_scenario(api, small_census)
    run_id = f"ws-{scenario_id}"
    with connect(f"{stack.ws_url}/ws?token=token-a") as socket:
        socket.send(json.dumps({"action": "subscribe", "run_id": run_id}))  # before the run exists
        socket.send(json.dumps({"action": "ping"}))
        assert json.loads(socket.recv(timeout=10))["type"] == "pong"
        assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
        messages = receive_until(socket, is_terminal_milestone)
    assert messages[0]["type"] == "snapshot" and messages[0]["run_id"] == run_id
    assert messages[0]["status"] == "queued"
    updates = [m for m in messages if m["type"] == "update"]
    progress = [u["progress"] for u in updates]
    assert progress == sorted(progress)
    assert updates[-1]["status"] == "completed" and updates[-1]["progress"] == 100
    # Stage changes and completed years always have their own update, however fast they follow.
    stages = [stage for stage, _ in itertools.groupby(u["current_stage"] for u in updates)]
    assert stages == ["import", "simulation", "pipeline"]
    assert {2025, 2026, 2027} <= {u["current_year"] for u in updates}
    milestones = [m for m in messages if m["type"] == "milestone"]
    assert [m["year"] for m in milestones if m["kind"] == "year_completed"] == [2025, 2026, 2027]
    assert milestones[0]["kind"] == "run_started"
    sequences = [m["sequence"] for m in milestones]
    assert sequences == sorted(sequences)


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
        received = [receive_until(socket, is_terminal_milestone) for socket in sockets]
    finally:
        for socket in sockets:
            socket.close()
    assert all(messages == received[0] for messages in received)
    progress = [m["progress"] for m in received[0] if m["type"] == "update"]
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
    from planalign.adapters.store import Store
    from planalign.services.notifications import notify

    run_id = "ws-batch-of-records"
    states = [  # status, stage, year, progress: one write each
        ("running", "simulation", None, 10),
        ("running", "simulation", None, 20),
        ("running", "simulation", 2025, 30),  # a completed year
        ("running", "simulation", 2025, 40),
        ("running", "simulation", 2025, 50),
        ("running", "pipeline", 2025, 85),  # a stage change
        ("running", "pipeline", 2025, 90),
        ("completed", "pipeline", 2025, 100),
    ]
    fields = ("status", "current_stage", "current_year", "progress")
    runs = [
        {"id": run_id, "tenant_id": "tenant-a", **dict(zip(fields, state, strict=True))} for state in states
    ]
    keys = (f"RUN#{run_id}", "A")
    records = [stream_record("MODIFY", keys, new, old) for old, new in itertools.pairwise(runs)]
    event = {"seq": 1, "kind": "year_completed", "stage": "simulation", "year": 2025, "message": "year 2025"}
    records.insert(3, stream_record("INSERT", (f"RUN#{run_id}", "EV#00000001"), event))
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
    assert [(m["type"], m.get("progress")) for m in messages] == [
        ("update", 30),
        ("milestone", None),
        ("update", 85),
        ("update", 100),
    ]


def test_run_path_subscribes_on_connect_and_unsubscribe_stops_messages(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
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
        assert receive_until(watching, is_terminal_milestone)[0]["type"] == "snapshot"
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


def test_bad_messages_get_an_error_and_bad_tokens_are_refused(stack: LocalStack) -> None:
    with connect(f"{stack.ws_url}/ws?token=token-a") as socket:
        socket.send("not json")
        assert json.loads(socket.recv(timeout=10)) == {"type": "error", "detail": "message is not JSON"}
        socket.send(json.dumps({"action": "dance"}))
        assert json.loads(socket.recv(timeout=10))["type"] == "error"
        socket.send(json.dumps({"action": "subscribe"}))
        assert "run_id" in json.loads(socket.recv(timeout=10))["detail"]
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{stack.ws_url}/ws?token=wrong")
    assert refused.value.response.status_code == 403


def test_a_gone_connection_is_forgotten_after_the_410(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    from planalign.adapters.push import Push
    from planalign.adapters.store import Store
    from planalign.services.subscriptions import connect, subscribe, subscribers

    scenario_id = ready_scenario(api, small_census)
    run_id = f"wsg-{scenario_id}"
    topic = f"RUN#{run_id}"
    store = Store()
    # A socket that closed without its $disconnect reaching us: only the 410 tells.
    connect(store, "ghost", "tenant-a")
    subscribe(store, Push(stack.api_url), "ghost", "tenant-a", topic)
    assert subscribers(store, topic, "tenant-a") == ["ghost"]
    assert httpx.post(f"{stack.api_url}/@connections/ghost", content=b"{}").status_code == 410
    assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
    wait_terminal(api, run_id)
    assert subscribers(store, topic, "tenant-a") == []
    assert store.get_entry("CONN#ghost", "A") is None
