"""The S3 trigger's registration of an upload: once per notification, once per presigned form, and
never a dataset left `importing` when a later step fails."""

from typing import Any

import pytest
from planalign.adapters.store import Store
from planalign.services.uploads import LandedObject, new_upload, parse_s3_record, register_upload


class Workflow:
    def __init__(self, fail: bool = False) -> None:
        self.started: list[str] = []
        self.fail = fail

    def start(self, name: str, payload: dict[str, Any]) -> str:
        if self.fail:
            raise RuntimeError("StartExecution refused")
        self.started.append(name)
        return name


def workspace(store: Store) -> None:
    store.create(
        "WS", "ws_1", {"id": "ws_1", "tenant_id": "tenant-a", "auto_run_scenarios": [], "base_config": {}}
    )


def landed(key: str, version: str = "v1") -> LandedObject:
    return LandedObject("bucket", key, version, version)


def test_the_notification_names_the_version_to_read() -> None:
    record = {
        "s3": {
            "bucket": {"name": "b"},
            "object": {"key": "uploads/ws/up/a+b.csv", "versionId": "3", "eTag": "e"},
        }
    }
    assert parse_s3_record(record) == LandedObject("b", "uploads/ws/up/a b.csv", "3", "3")
    unversioned = {"s3": {"bucket": {"name": "b"}, "object": {"key": "k", "eTag": "e"}}}
    assert parse_s3_record(unversioned) == LandedObject("b", "k", "e", None)


def test_a_presigned_form_posted_twice_makes_one_dataset(store: Store) -> None:
    workspace(store)
    upload_id = new_upload(store, "tenant-a", "ws_1", "census.csv", [], None)
    key = f"uploads/ws_1/{upload_id}/census.csv"
    first = register_upload(store, Workflow(), landed(key, "v1"))
    assert first is not None
    assert register_upload(store, Workflow(), landed(key, "v2")) is None
    assert [d["id"] for d in store.list_all("WS#ws_1#DS")] == [first["dataset"]["id"]]
    assert store.get("DS", first["dataset"]["id"])["upload_version_id"] == "v1"


def test_a_duplicate_notification_is_ignored(store: Store) -> None:
    workspace(store)
    key = "uploads/ws_1/up_any/census.csv"  # put by any S3 client: no upload item
    assert register_upload(store, Workflow(), landed(key)) is not None
    assert register_upload(store, Workflow(), landed(key)) is None
    assert len(store.list_all("WS#ws_1#DS")) == 1


def test_a_failure_after_the_dataset_exists_fails_it_with_the_reason(store: Store) -> None:
    workspace(store)
    with pytest.raises(RuntimeError, match="StartExecution refused"):
        register_upload(store, Workflow(fail=True), landed("uploads/ws_1/up_x/census.csv"))
    (dataset,) = store.list_all("WS#ws_1#DS")
    assert dataset["status"] == "failed"
    assert "StartExecution refused" in dataset["error"]
