"""The Studio's live telemetry built from hand-made run items and history events: exact fields of the
update, snapshot, milestone, heartbeat and batch messages (and that the response models take them as
they are), the polling route's answer, the notifier's choice of message for each stream record, and
the heartbeats a working stage writes. The integration tests check them against studio/openapi.json."""

import base64
import itertools
import time
from typing import Any

import pytest
from planalign.adapters.store import Store, pack_documents
from planalign.api.telemetry_models import RunTelemetryResponse, RunTelemetrySnapshot, TelemetryMilestone
from planalign.errors import InvalidRequest, NotFound
from planalign.services import notifications, subscriptions, telemetry
from planalign.services.heartbeat import beat, run_heartbeat

STARTED = "2025-03-01T10:00:00.000Z"


def running_run(**fields: Any) -> dict[str, Any]:
    return {
        "id": "run_1",
        "tenant_id": "t1",
        "scenario_id": "sc_1",
        "status": "running",
        "progress": 42.7,
        "current_stage": "simulation",
        "current_year": 2026,
        "total_years": 3,
        "config": {"simulation": {"start_year": 2025, "end_year": 2027}},
        "events_generated": 52,
        "events_per_second": 1300.0,
        "memory_mb": 612.4,
        "event_counts_by_year": {
            "2026": {"HIRE": 12, "RAISE": 9},
            "2025": {"HIRE": 10, "TERMINATION": 8, "RAISE": 13},
        },
        "created_at": "2025-03-01T09:59:59.000Z",
        "started_at": STARTED,
        "updated_at": "2025-03-01T10:00:02.500Z",
        "completed_at": None,
        **fields,
    }


def event(seq: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "timestamp": f"2025-03-01T10:00:0{seq}.000Z",
        "stage": "simulation",
        "percent": 10.0 * seq,
        "message": f"event {seq}",
        "kind": kind,
        "severity": "info",
        "year": None,
        "detail": None,
        "memory_mb": 100.0 + seq,
        "elapsed_seconds": float(seq),
        "events_per_second": 0.0,
        **fields,
    }


def test_update_of_a_running_run_has_the_studio_fields() -> None:
    assert telemetry.update_message(running_run()) == {
        "type": "update",
        "run_id": "run_1",
        "data": {
            "run_id": "run_1",
            "scenario_id": "sc_1",
            "status": "running",
            "progress": 42,
            "current_stage": "EVENT_GENERATION",
            "current_year": 2027,  # 2025 and 2026 are done
            "total_years": 3,
            "start_year": 2025,
            "performance_metrics": {
                "memory_mb": 612.4,
                "memory_pressure": "moderate",
                "elapsed_seconds": 2.5,
                "events_generated": 52,
                "events_per_second": 1300.0,
            },
            "event_counts": {
                "by_type": {"HIRE": 22, "TERMINATION": 8, "RAISE": 22},
                "by_year": {
                    "2025": {"HIRE": 10, "TERMINATION": 8, "RAISE": 13},
                    "2026": {"HIRE": 12, "RAISE": 9},
                },
                "total": 52,
                "as_of_year": 2026,
            },
            "last_update_at": "2025-03-01T10:00:02.500Z",
        },
    }
    assert list(telemetry.run_update(running_run())["event_counts"]["by_year"]) == ["2025", "2026"]
    RunTelemetrySnapshot.model_validate(telemetry.run_update(running_run()), strict=True)


def test_a_pending_run_is_initializing_at_its_first_year() -> None:
    pending = running_run(
        status="pending",
        progress=0,
        current_stage=None,
        started_at=None,
        updated_at=None,
        events_generated=0,
        events_per_second=None,
        memory_mb=None,
        event_counts_by_year=None,
    )
    data = telemetry.run_update(pending)
    assert (data["status"], data["progress"], data["current_stage"]) == ("pending", 0, "INITIALIZATION")
    assert (data["current_year"], data["start_year"], data["total_years"]) == (2025, 2025, 3)
    assert data["performance_metrics"] == {
        "memory_mb": 0.0,
        "memory_pressure": "low",
        "elapsed_seconds": 0.0,
        "events_generated": 0,
        "events_per_second": 0.0,
    }
    assert data["event_counts"] == {"by_type": {}, "by_year": {}, "total": 0, "as_of_year": None}
    assert data["last_update_at"] == "2025-03-01T09:59:59.000Z"


def test_a_completed_run_ends_at_its_last_year_and_completion_time() -> None:
    done = running_run(
        status="completed",
        progress=100.0,
        current_stage="pipeline",
        completed_at="2025-03-01T10:00:07.250Z",
        event_counts_by_year={str(y): {"HIRE": 1} for y in (2025, 2026, 2027)},
    )
    data = telemetry.run_update(done)
    assert (data["status"], data["progress"], data["current_stage"]) == ("completed", 100, "REPORTING")
    assert data["current_year"] == 2027 and data["event_counts"]["as_of_year"] == 2027
    assert data["last_update_at"] == "2025-03-01T10:00:07.250Z"
    assert data["performance_metrics"]["elapsed_seconds"] == 7.25


def test_memory_pressure_is_a_share_of_the_limit_when_there_is_one() -> None:
    assert [telemetry.memory_pressure(mb, None) for mb in (100, 512, 1500, 2048)] == [
        "low",
        "moderate",
        "high",
        "critical",
    ]
    assert [telemetry.memory_pressure(mb, 1000) for mb in (499, 500, 800, 950)] == [
        "low",
        "moderate",
        "high",
        "critical",
    ]


def test_a_milestone_is_a_feed_event_in_the_studios_words() -> None:
    year = event(
        3,
        "year_completed",
        year=2025,
        message="year 2025 simulated (1/3): 31 events",
        detail={"event_counts": {"HIRE": 10}, "duration_seconds": 0.02},
    )
    assert telemetry.milestone_message("run_1", year) == {
        "type": "milestone",
        "run_id": "run_1",
        "data": {
            "sequence": 3,
            "timestamp": "2025-03-01T10:00:03.000Z",
            "kind": "year_completed",
            "severity": "info",
            "year": 2025,
            "stage": "EVENT_GENERATION",
            "message": "year 2025 simulated (1/3): 31 events",
            "detail": {"event_counts": {"HIRE": 10}, "duration_seconds": 0.02},
        },
    }
    assert telemetry.milestone(event(4, "progress")) is None
    # History written before events had a severity: it follows from the kind.
    old_error = {"seq": 5, "timestamp": STARTED, "stage": "import", "kind": "error", "message": "boom"}
    assert telemetry.milestone(old_error) == {
        "sequence": 5,
        "timestamp": STARTED,
        "kind": "error",
        "severity": "error",
        "year": None,
        "stage": "FOUNDATION",
        "message": "boom",
        "detail": None,
    }
    warning = telemetry.milestone(event(6, "warning", severity="warning", stage=None))
    assert warning is not None and (warning["severity"], warning["stage"]) == ("warning", None)
    TelemetryMilestone.model_validate(telemetry.milestone(year), strict=True)


def test_the_snapshot_adds_the_feed_and_one_sample_per_progress_write() -> None:
    history = [
        event(1, "run_started", stage="import"),
        event(2, "progress"),
        event(3, "year_completed", year=2025),
        {**event(4, "terminal"), "memory_mb": None},  # a terminal event is no sample
    ]
    snapshot = telemetry.snapshot_message(running_run(), history)
    assert snapshot["type"] == "snapshot" and snapshot["run_id"] == "run_1"
    data = snapshot["data"]
    assert list(data) == [
        "run_id",
        "scenario_id",
        "status",
        "progress",
        "current_stage",
        "current_year",
        "total_years",
        "start_year",
        "performance_metrics",
        "event_counts",
        "milestones",
        "performance_samples",
        "last_update_at",
    ]
    assert {k: v for k, v in data.items() if k not in ("milestones", "performance_samples")} == (
        telemetry.run_update(running_run())
    )
    assert [(m["sequence"], m["kind"]) for m in data["milestones"]] == [
        (1, "run_started"),
        (3, "year_completed"),
        (4, "terminal"),
    ]
    assert data["performance_samples"] == [
        {
            "timestamp": f"2025-03-01T10:00:0{n}.000Z",
            "elapsed_seconds": float(n),
            "events_per_second": 0.0,
            "memory_mb": 100.0 + n,
        }
        for n in (1, 2, 3)
    ]
    assert RunTelemetrySnapshot.model_validate(data, strict=True).model_dump() == data


def test_a_long_history_keeps_the_newest_milestones_and_thins_samples_evenly() -> None:
    history = [event(n, "year_completed" if n % 2 else "progress") for n in range(1, 1302)]
    data = telemetry.run_snapshot(running_run(), history)
    assert len(data["milestones"]) == telemetry.MILESTONE_CAP
    assert data["milestones"][-1]["sequence"] == 1301
    samples = data["performance_samples"]
    assert len(samples) <= telemetry.SAMPLE_CAP
    assert samples[-1]["timestamp"] == history[-1]["timestamp"]
    assert len({s["timestamp"] for s in samples}) == len(samples)


def test_heartbeat_and_batch_messages() -> None:
    assert telemetry.heartbeat_message("run_1") == {"type": "heartbeat", "run_id": "run_1"}
    batch = {
        "id": "batch_1",
        "status": "running",
        "overall_progress": 57.5,
        "scenarios": [
            {
                "scenario_id": "a",
                "name": "A",
                "run_id": "r_a",
                "status": "completed",
                "progress": 100.0,
                "error_message": None,
            },
            {
                "scenario_id": "b",
                "name": "B",
                "run_id": "r_b",
                "status": "running",
                "progress": 15.2,
                "error_message": None,
            },
        ],
        "websocket_url": "ws://x",
    }
    assert telemetry.batch_message(batch, STARTED) == {
        "type": "batch_update",
        "batch_id": "batch_1",
        "status": "running",
        "scenarios": [
            {"scenario_id": "a", "name": "A", "status": "completed", "progress": 100, "run_id": "r_a"},
            {"scenario_id": "b", "name": "B", "status": "running", "progress": 15, "run_id": "r_b"},
        ],
        "overall_progress": 57.5,
        "timestamp": STARTED,
    }


# ---------------------------------------------------------------- the polling route's answer


def make_scenario(store: Store, last_run_id: str | None = None) -> None:
    store.create(
        "SC", "sc_1", {"id": "sc_1", "tenant_id": "t1", "workspace_id": "ws_1", "last_run_id": last_run_id}
    )


def test_a_scenario_that_never_ran_has_no_telemetry(store: Store) -> None:
    make_scenario(store)
    assert telemetry.scenario_telemetry(store, "t1", "sc_1") == {
        "run": {"run_id": None, "status": "not_run", "error_message": None},
        "telemetry": None,
    }


def test_another_tenants_or_an_unknown_scenario_is_not_found(store: Store) -> None:
    make_scenario(store)
    with pytest.raises(NotFound):
        telemetry.scenario_telemetry(store, "t2", "sc_1")
    with pytest.raises(NotFound):
        telemetry.scenario_telemetry(store, "t1", "sc_nope")


def test_a_scenario_whose_last_run_is_gone_has_no_telemetry(store: Store) -> None:
    make_scenario(store, last_run_id="run_deleted")
    assert telemetry.scenario_telemetry(store, "t1", "sc_1")["run"]["status"] == "not_run"


def test_the_scenarios_last_run_answers_with_its_snapshot(store: Store) -> None:
    make_scenario(store, last_run_id="run_1")
    for run_id in ("run_old", "run_1"):
        store.create(
            "RUN", f"t1#{run_id}", running_run(id=run_id, status="failed", error_message="simulation: boom")
        )
    store.append_run_event("t1#run_1", event(1, "run_started"))
    store.append_run_event("t1#run_1", event(2, "error", severity="error"))
    answer = telemetry.scenario_telemetry(store, "t1", "sc_1")
    assert answer["run"] == {"run_id": "run_1", "status": "failed", "error_message": "simulation: boom"}
    run = store.get("RUN", "t1#run_1")
    assert answer["telemetry"] == telemetry.run_snapshot(run, store.run_events("t1#run_1"))
    assert [m["kind"] for m in answer["telemetry"]["milestones"]] == ["run_started", "error"]
    assert RunTelemetryResponse.model_validate(answer, strict=True).model_dump() == answer


# ---------------------------------------------------------------- which message a stream record makes


def stream_record(
    event_name: str, keys: tuple[str, str], new: dict[str, Any], old: Any = None
) -> dict[str, Any]:
    """A DynamoDB stream record as the notifier gets it (NEW_AND_OLD_IMAGES): items as the store
    writes them, Binary values base64 text as in a Lambda's event."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()

    def image(item: dict[str, Any]) -> dict[str, Any]:
        wire = {k: serializer.serialize(v) for k, v in pack_documents(item).items()}
        return {k: {"B": base64.b64encode(v["B"]).decode()} if "B" in v else v for k, v in wire.items()}

    record: dict[str, Any] = {
        "eventName": event_name,
        "dynamodb": {"Keys": {"pk": {"S": keys[0]}, "sk": {"S": keys[1]}}, "NewImage": image(new)},
    }
    if old is not None:
        record["dynamodb"]["OldImage"] = image(old)
    return record


def messages_of(store: Store, records: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    return [(item.connection_id, item.message["type"]) for item in notifications._messages(store, records)]


def test_a_change_that_is_only_a_heartbeat_is_a_heartbeat(store: Store) -> None:
    before = running_run(heartbeat_at="2025-03-01T10:00:05.000Z")
    after = {**before, "heartbeat_at": "2025-03-01T10:00:10.000Z"}
    record = stream_record("MODIFY", ("RUN#t1#run_1", "A"), after, before)
    (item,) = notifications._messages(store, [record])
    assert item.message == {"type": "heartbeat", "run_id": "run_1"} and item.topic == "RUN#t1#run_1"


def test_a_change_the_telemetry_does_not_show_sends_nothing(store: Store) -> None:
    before = running_run()
    after = {**before, "stage_timings": {"import": 0.1}, "warnings": ["x"]}
    assert messages_of(store, [stream_record("MODIFY", ("RUN#t1#run_1", "A"), after, before)]) == []


def test_progress_sends_an_update_and_feed_events_a_milestone(store: Store) -> None:
    store.create("RUN", "t1#run_1", running_run())
    before = running_run()
    after = {**before, "progress": 50.0, "updated_at": "2025-03-01T10:00:03.000Z"}
    records = [
        stream_record("MODIFY", ("RUN#t1#run_1", "A"), after, before),
        stream_record("INSERT", ("RUN#t1#run_1", "EV#00000002"), event(2, "progress")),
        stream_record("INSERT", ("RUN#t1#run_1", "EV#00000003"), event(3, "stage_completed")),
    ]
    outgoing = notifications._messages(store, records)
    assert [(o.message["type"], o.replaceable) for o in outgoing] == [("update", True), ("milestone", False)]
    assert outgoing[0].message == telemetry.update_message(after)


def test_the_notifier_decodes_no_studio_document_of_a_run(store: Store) -> None:
    # The Studio's config of a run is tens of KB compressed in every progress record; the messages do
    # not read it, so bytes that are not even zlib must not stop an update.
    before = running_run()
    after = {**before, "progress": 50.0, "updated_at": "2025-03-01T10:00:03.000Z"}
    record = stream_record("MODIFY", ("RUN#t1#run_1", "A"), after, before)
    for image in ("NewImage", "OldImage"):
        record["dynamodb"][image]["studio_config"] = {"B": base64.b64encode(b"not a document").decode()}
    (item,) = notifications._messages(store, [record])
    assert item.message == telemetry.update_message(after)


def test_a_connection_subscribed_on_connect_gets_its_own_snapshot(store: Store) -> None:
    store.create("RUN", "t1#run_1", running_run())
    store.append_run_event("t1#run_1", event(1, "run_started"))
    subscriptions.connect(store, "conn_1", "t1", {"token": "x", "run_id": "run_1"})
    assert (store.get_entry("CONN#conn_1", "A") or {})["topics"] == ["RUN#t1#run_1"]
    entry = store.get_entry("RUN#t1#run_1", "WS#conn_1")
    assert entry is not None
    record = stream_record("INSERT", ("RUN#t1#run_1", "WS#conn_1"), entry)
    (item,) = notifications._messages(store, [record])
    assert item.connection_id == "conn_1"
    assert item.message == telemetry.snapshot_message(
        store.get("RUN", "t1#run_1"), store.run_events("t1#run_1")
    )
    # Another tenant's connection learns nothing of the run.
    subscriptions.connect(store, "conn_2", "t2", {"run_id": "run_1"})
    other = stream_record(
        "INSERT", ("RUN#t1#run_1", "WS#conn_2"), store.get_entry("RUN#t1#run_1", "WS#conn_2") or {}
    )
    assert notifications._messages(store, [other]) == []


def test_connect_refuses_what_cannot_be_an_id(store: Store) -> None:
    with pytest.raises(InvalidRequest):
        subscriptions.connect(store, "conn_1", "t1", {"run_id": "../../x"})
    subscriptions.connect(store, "conn_2", "t1", {"token": "x"})
    assert (store.get_entry("CONN#conn_2", "A") or {})["topics"] == []


class RecordingPush:
    """Push that answers 410 for the first posts to a connection that is still opening (`opening`:
    how many), as API Gateway does while `$connect` has not returned."""

    def __init__(self, opening: dict[str, int] | None = None) -> None:
        self.opening = dict(opening or {})
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        self.posts.append((connection_id, message))
        if self.opening.get(connection_id, 0) > 0:
            self.opening[connection_id] -= 1
            return False
        self.sent.append((connection_id, message))
        return True

    def send_each(self, outbox: dict[str, list[dict[str, Any]]]) -> tuple[int, list[str]]:
        sent, gone = 0, []
        for connection_id, messages in outbox.items():
            for message in messages:
                if not self.send(connection_id, message):
                    gone.append(connection_id)
                    break
                sent += 1
        return sent, gone


def test_a_connection_is_subscribed_once_its_snapshot_reached_it_while_it_opened(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "OPENING_RETRY_SECONDS", (0.0, 0.0, 0.0))
    store.create("RUN", "t1#run_1", running_run())
    subscriptions.connect(store, "early", "t1", {"run_id": "run_1"})
    subscriptions.add_subscribers(store, "RUN#t1#run_1", "t1", ["early"])  # an earlier batch's work
    subscriptions.connect(store, "new", "t1", {"run_id": "run_1"})
    # This batch: "new"'s entry, then a progress write, which its snapshot (read after it) shows.
    before, after = running_run(), running_run(progress=60.0, updated_at="2025-03-01T10:00:04.000Z")
    records = [
        stream_record("INSERT", ("RUN#t1#run_1", "WS#new"), store.get_entry("RUN#t1#run_1", "WS#new") or {}),
        stream_record("MODIFY", ("RUN#t1#run_1", "A"), after, before),
    ]
    store.update("RUN", "t1#run_1", {"progress": 60.0, "updated_at": "2025-03-01T10:00:04.000Z"})
    push = RecordingPush(opening={"new": 2})
    assert notifications.notify(store, push, records) == 2
    assert [(c, m["type"]) for c, m in push.sent] == [("early", "update"), ("new", "snapshot")]
    assert push.sent[1][1]["data"]["progress"] == 60
    assert [c for c, _ in push.posts].count("new") == 3  # two 410s while "new" opened, then its snapshot
    assert subscriptions.subscribers(store, "RUN#t1#run_1", "t1") == ["early", "new"]


def test_a_connection_that_never_opens_is_not_subscribed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "OPENING_RETRY_SECONDS", (0.0,))
    store.create("RUN", "t1#run_1", running_run())
    subscriptions.connect(store, "never", "t1", {"run_id": "run_1"})
    entry = store.get_entry("RUN#t1#run_1", "WS#never") or {}
    push = RecordingPush(opening={"never": 10})
    assert (
        notifications.notify(store, push, [stream_record("INSERT", ("RUN#t1#run_1", "WS#never"), entry)]) == 0
    )
    assert subscriptions.subscribers(store, "RUN#t1#run_1", "t1") == []


def test_a_connection_to_a_run_not_made_yet_is_subscribed_for_its_creation(store: Store) -> None:
    subscriptions.connect(store, "early", "t1", {"run_id": "run_1"})
    entry = store.get_entry("RUN#t1#run_1", "WS#early") or {}
    assert (
        notifications._messages(store, [stream_record("INSERT", ("RUN#t1#run_1", "WS#early"), entry)]) == []
    )
    assert subscriptions.subscribers(store, "RUN#t1#run_1", "t1") == ["early"]


def test_many_connections_in_one_batch_cost_one_snapshot_read_and_one_subscriber_write(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 Studio tabs opening one run queued its progress behind 200 reads and writes (p50 16 s)."""
    reads: list[str] = []
    writes: list[list[str]] = []
    read_snapshot, add_to_set = notifications.snapshot, store.add_to_entry_set
    monkeypatch.setattr(notifications, "snapshot", lambda *a: reads.append(a[1]) or read_snapshot(*a))
    monkeypatch.setattr(
        store, "add_to_entry_set", lambda *a, **k: writes.append(sorted(a[3])) or add_to_set(*a, **k)
    )
    names = [f"tab_{n}" for n in range(5)]

    def connect_all(run_id: str) -> list[dict[str, Any]]:
        for name in names:
            subscriptions.connect(store, f"{run_id}_{name}", "t1", {"run_id": run_id})
        return [
            stream_record(
                "INSERT",
                (f"RUN#t1#{run_id}", f"WS#{run_id}_{name}"),
                store.get_entry(f"RUN#t1#{run_id}", f"WS#{run_id}_{name}") or {},
            )
            for name in names
        ]

    # A run not made yet: all wait for it, subscribed in one write.
    assert notifications.notify(store, RecordingPush(), connect_all("later")) == 0
    assert (len(reads), writes) == (1, [sorted(f"later_{n}" for n in names)])
    # A running run: one read, each its snapshot (one still opening, retried), one write.
    store.create("RUN", "t1#run_1", running_run())
    monkeypatch.setattr(notifications, "OPENING_RETRY_SECONDS", (0.0,))
    push = RecordingPush(opening={"run_1_tab_3": 1})
    assert notifications.notify(store, push, connect_all("run_1")) == 5
    assert len(reads) == 2
    assert writes[1] == sorted(f"run_1_{n}" for n in names)
    assert sorted(c for c, m in push.sent if m["type"] == "snapshot") == sorted(f"run_1_{n}" for n in names)
    assert subscriptions.subscribers(store, "RUN#t1#run_1", "t1") == sorted(f"run_1_{n}" for n in names)


# ---------------------------------------------------------------- heartbeats


def test_a_heartbeat_is_written_only_for_a_running_run_and_not_twice_in_an_interval(store: Store) -> None:
    store.create("RUN", "t1#run_1", running_run())
    assert beat(store, "t1#run_1", interval=60) is True
    assert beat(store, "t1#run_1", interval=60) is False  # another writer's heartbeat is recent
    assert beat(store, "t1#run_1", interval=0.0) is True
    store.update("RUN", "t1#run_1", {"status": "cancelled"})
    assert beat(store, "t1#run_1", interval=0.0) is False
    assert beat(store, "run_nope") is False


def test_a_working_stage_beats_until_it_ends(store: Store) -> None:
    store.create("RUN", "t1#run_1", running_run())
    beats: list[str] = []
    with run_heartbeat(store, "t1#run_1", interval=0.05):
        deadline = time.monotonic() + 10
        while len(beats) < 3 and time.monotonic() < deadline:
            stamp = store.get("RUN", "t1#run_1").get("heartbeat_at")
            if stamp and stamp not in beats:
                beats.append(stamp)
            time.sleep(0.01)
    assert len(beats) == 3 and beats == sorted(beats)
    last = store.get("RUN", "t1#run_1")["heartbeat_at"]
    time.sleep(0.2)
    assert store.get("RUN", "t1#run_1")["heartbeat_at"] == last
    with run_heartbeat(store, None, interval=0.01):  # an import-only execution has no run
        pass


def test_memory_and_elapsed_time_reach_the_item_and_the_history(store: Store) -> None:
    from planalign.services.progress import RunProgress

    store.create("RUN", "t1#run_1", running_run(progress=10.0))
    progress = RunProgress(store, store.get("RUN", "t1#run_1"))
    progress.report("simulation", 0.5, "half", values={"events_per_second": 10.0}, detail={"x": 1})
    progress.warn("simulation", [f"w{n}" for n in range(23)])
    run, history = store.get("RUN", "t1#run_1"), store.run_events("t1#run_1")
    assert run["memory_mb"] > 0 and history[0]["memory_mb"] == run["memory_mb"]
    assert history[0]["elapsed_seconds"] > 0 and history[0]["events_per_second"] == 10.0
    assert (history[0]["severity"], history[0]["detail"]) == ("info", {"x": 1})
    warnings = history[1:]
    assert [w["message"] for w in warnings] == [
        *(f"w{n}" for n in range(20)),
        "3 more warnings (see the run's warnings)",
    ]
    assert {(w["kind"], w["severity"], w["percent"]) for w in warnings} == {("warning", "warning", 47.5)}
    assert list(itertools.pairwise(w["seq"] for w in history)) == [(n, n + 1) for n in range(1, 22)]
