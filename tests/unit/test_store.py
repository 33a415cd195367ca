"""The DynamoDB store under moto: conditional transitions, optimistic conflicts, idempotency claims,
and throttling surfaced as the retryable TransientStoreError."""

import re
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from planalign.adapters.store import (
    HISTORY_RETENTION_SECONDS,
    Store,
    TransientStoreError,
    list_key,
    partition,
    run_key,
    split_partition,
    split_run_key,
)
from planalign.errors import NotFound, RunConflict


def new_run(store: Store, run_id: str = "run_1", status: str = "pending") -> None:
    store.create("RUN", run_id, {"id": run_id, "tenant_id": "t1", "status": status, "progress": 0.5})


def test_a_run_moves_pending_running_completed(store: Store) -> None:
    new_run(store)
    assert store.transition_run("run_1", "running")["status"] == "running"
    assert store.transition_run("run_1", "completed", {"progress": 100})["progress"] == 100


@pytest.mark.parametrize("terminal", ["completed", "failed", "cancelled"])
def test_a_terminal_run_never_moves_again(store: Store, terminal: str) -> None:
    new_run(store)
    store.transition_run("run_1", "running")
    store.transition_run("run_1", terminal)
    for status in ("running", "completed", "failed", "cancelled"):
        with pytest.raises(RunConflict):
            store.transition_run("run_1", status)
    assert store.get("RUN", "run_1")["status"] == terminal


def test_a_pending_run_cannot_complete_without_running(store: Store) -> None:
    new_run(store)
    with pytest.raises(RunConflict):
        store.transition_run("run_1", "completed")


def test_create_twice_is_a_conflict_and_keeps_the_first(store: Store) -> None:
    new_run(store)
    with pytest.raises(RunConflict):
        store.create("RUN", "run_1", {"id": "run_1", "tenant_id": "t1", "status": "running"})
    assert store.get("RUN", "run_1")["status"] == "pending"


def test_another_tenant_sees_not_found(store: Store) -> None:
    new_run(store)
    assert store.get("RUN", "run_1", "t1")["progress"] == 0.5
    with pytest.raises(NotFound):
        store.get("RUN", "run_1", "t2")


def test_a_config_is_stored_as_one_compressed_value_and_reads_back_unchanged(store: Store) -> None:
    config = {"simulation": {"start_year": 2025, "growth": 0.03}, "tiers": [{"rate": 0.5}] * 200, "x": None}
    store.create("WS", "ws_1", {"id": "ws_1", "tenant_id": "t1", "base_config": config, "name": "w"})
    raw = store.table.get_item(Key={"pk": partition("WS", "ws_1"), "sk": "A"})["Item"]
    assert isinstance(raw["base_config"].value, bytes) and len(raw["base_config"].value) < 200
    assert store.get("WS", "ws_1")["base_config"] == config
    updated = store.update("WS", "ws_1", {"base_config": {**config, "x": 1.5}})
    assert updated["base_config"]["x"] == 1.5 and store.get("WS", "ws_1")["base_config"]["x"] == 1.5
    assert store.list_all(list_key("T", "t1", "WS")) == []  # no gsi1 keys given: listed nowhere


def test_a_config_stored_as_a_map_before_still_reads(store: Store) -> None:
    store.table.put_item(Item={"pk": partition("WS", "ws_2"), "sk": "A", "base_config": {"a": 1}})
    assert store.get("WS", "ws_2")["base_config"] == {"a": 1}


def test_a_runs_history_expires_so_that_what_a_late_stage_writes_for_a_deleted_run_goes_too(
    store: Store,
) -> None:
    new_run(store)
    store.append_run_event("run_1", {"percent": 10.0, "message": "m"})
    store.add_run_log("run_1", "import", [{"timestamp": "2026-11-30T00:00:00.000Z", "message": "x"}])
    store.delete_run_events("run_1")
    store.delete("RUN", "run_1")
    store.append_run_event("run_1", {"percent": 20.0, "message": "late"})  # a stage still running
    left = store.entries(partition("RUN", "run_1"))
    assert {entry["sk"] for entry in left} == {"SEQ", "EV#00000001"}
    for entry in left:
        assert abs(entry["expires_at"] - (time.time() + HISTORY_RETENTION_SECONDS)) < 60


def test_two_tenants_runs_of_one_id_are_two_runs() -> None:
    assert run_key("t1", "nightly") != run_key("t2", "nightly")
    assert split_run_key(run_key("t1", "nightly")) == ("t1", "nightly")
    with pytest.raises(ValueError):
        run_key("t1#x", "nightly")


def test_a_claim_is_taken_once(store: Store) -> None:
    assert store.claim("S3EVENT#b/k#v1", {"tenant_id": "t1"}, 2_000_000_000) is True
    assert store.claim("S3EVENT#b/k#v1", {"tenant_id": "t1"}, 2_000_000_000) is False
    assert store.claim("S3EVENT#b/k#v2", {"tenant_id": "t1"}, 2_000_000_000) is True


def test_events_get_increasing_sequence_numbers(store: Store) -> None:
    seqs = [store.append_run_event("run_1", {"kind": "progress", "percent": p}) for p in (1.0, 2.0, 3.0)]
    assert seqs == [1, 2, 3]
    assert [e["percent"] for e in store.run_events("run_1")] == [1.0, 2.0, 3.0]


def test_an_event_that_a_concurrent_writer_overtook_is_dropped(store: Store) -> None:
    assert store.append_run_event("run_1", {"kind": "progress", "percent": 40.0}) == 1
    assert store.append_run_event("run_1", {"kind": "progress", "percent": 25.0}) is None
    assert store.append_run_event("run_1", {"kind": "progress", "percent": 40.0}) == 2
    assert [e["percent"] for e in store.run_events("run_1")] == [40.0, 40.0]


def test_a_set_counts_each_member_once(store: Store) -> None:
    counts = [store.add_to_entry_set("RUN#run_1", "MEMBERS", "members", [k]) for k in (3, 1, 3, 2)]
    assert counts == [1, 2, 2, 3]
    assert store.get_entry("RUN#run_1", "MEMBERS") == {
        "pk": "RUN#run_1",
        "sk": "MEMBERS",
        "members": [1, 2, 3],
    }


def test_a_string_set_takes_fields_along_and_loses_members(store: Store) -> None:
    assert store.add_to_entry_set("SUB#RUN#r", "T#t1", "connections", ["c2"], {"expires_at": 10}) == 1
    assert (
        store.add_to_entry_set("SUB#RUN#r", "T#t1", "connections", ["c1", "c3", "c2"], {"expires_at": 20})
        == 3
    )
    store.remove_from_entry_set("SUB#RUN#r", "T#t1", "connections", "c3")
    store.remove_from_entry_set("SUB#RUN#r", "T#t1", "connections", "c2")
    store.remove_from_entry_set("SUB#RUN#r", "T#t1", "connections", "never-there")
    entry = store.get_entry("SUB#RUN#r", "T#t1")
    assert entry is not None
    assert (entry["connections"], entry["expires_at"]) == (["c1"], 20)
    store.remove_from_entry_set("SUB#RUN#none", "T#t1", "connections", "c1")
    assert store.get_entry("SUB#RUN#none", "T#t1") is None  # no empty entry made


class ThrottledTable:
    """A fake table that throttles every call, as DynamoDB does under a burst."""

    def __getattr__(self, name: str) -> Any:
        def throttled(**kwargs: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, name
            )

        return throttled


def test_throttling_is_a_transient_error_the_state_machine_retries() -> None:
    with pytest.raises(TransientStoreError):
        Store(ThrottledTable()).get("RUN", "run_1")


def test_the_key_layout_is_spelled_in_the_store_only() -> None:
    assert partition("RUN", "run_1") == "RUN#run_1"
    assert split_partition("RUN#run_1") == ("RUN", "run_1")
    assert list_key("WS", "ws_1", "SC") == "WS#ws_1#SC"
    services = Path(__file__).resolve().parents[2] / "shared" / "planalign" / "services"
    for path in services.glob("*.py"):
        assert not re.search(r'"[A-Z]+#|#[A-Z]+"', path.read_text()), f"{path.name} spells a table key"
