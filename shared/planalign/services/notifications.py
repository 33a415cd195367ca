"""Turns the run table's stream into WebSocket messages: `snapshot` when a run appears, `update` when
its progress or status changes, `milestone` for each history event, `batch_update` for its batch.
Stages only write the run item; they never talk to sockets."""

import logging
from typing import Any

from planalign.adapters.push import Push
from planalign.adapters.store import Store, plain
from planalign.errors import NotFound
from planalign.ids import utc_now
from planalign.services.runs import run_view
from planalign.services.subscriptions import disconnect, subscribers

logger = logging.getLogger(__name__)
UPDATE_FIELDS = (
    "status",
    "progress",
    "current_stage",
    "current_year",
    "total_years",
    "events_generated",
    "message",
)


def _image(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    image = record.get("dynamodb", {}).get(name)
    if not image:
        return None
    deserializer = TypeDeserializer()
    return plain({key: deserializer.deserialize(value) for key, value in image.items()})


def deliver(store: Store, push: Push, topic: str, tenant_id: str, message: dict[str, Any]) -> int:
    """Send to every subscriber of the tenant; forget connections that are gone. Returns sends."""
    sent = 0
    for connection_id in subscribers(store, topic, tenant_id):
        if push.send(connection_id, message):
            sent += 1
        else:
            disconnect(store, connection_id)
    return sent


def update_message(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "update",
        "run_id": run["id"],
        **{f: run.get(f) for f in UPDATE_FIELDS},
        "timestamp": run.get("updated_at") or run.get("completed_at") or utc_now(),
    }


def notify(store: Store, push: Push, records: list[dict[str, Any]]) -> int:
    sent = 0
    for record in records:
        keys = record.get("dynamodb", {}).get("Keys", {})
        pk, sk = keys.get("pk", {}).get("S", ""), keys.get("sk", {}).get("S", "")
        new = _image(record, "NewImage")
        if not pk.startswith("RUN#") or new is None:
            continue
        if sk == "A":
            sent += _run_changed(store, push, record["eventName"], _image(record, "OldImage"), new)
        elif sk.startswith("EV#") and record["eventName"] == "INSERT" and new.get("kind") != "progress":
            sent += _milestone(store, push, pk[4:], new)
    return sent


def _run_changed(
    store: Store, push: Push, event_name: str, old: dict[str, Any] | None, new: dict[str, Any]
) -> int:
    topic, tenant_id = f"RUN#{new['id']}", new["tenant_id"]
    if event_name == "INSERT":
        # Clients may subscribe before the run exists; this is their snapshot.
        sent = deliver(
            store, push, topic, tenant_id, {"type": "snapshot", "run_id": new["id"], **run_view(new)}
        )
    elif old is not None and all(old.get(f) == new.get(f) for f in UPDATE_FIELDS):
        return 0
    else:
        sent = deliver(store, push, topic, tenant_id, update_message(new))
    if new.get("batch_id"):
        sent += _batch_changed(store, push, tenant_id, new["batch_id"])
    return sent


def _milestone(store: Store, push: Push, run_id: str, event: dict[str, Any]) -> int:
    try:
        run = store.get("RUN", run_id)
    except NotFound:
        return 0
    message = {
        "type": "milestone",
        "run_id": run_id,
        "sequence": event["seq"],
        "kind": event["kind"],
        "stage": event.get("stage"),
        "year": event.get("year"),
        "message": event.get("message"),
        "timestamp": event.get("timestamp"),
    }
    return deliver(store, push, f"RUN#{run_id}", run["tenant_id"], message)


def _batch_changed(store: Store, push: Push, tenant_id: str, batch_id: str) -> int:
    from planalign.services.batches import batch_view

    try:
        batch = batch_view(store, tenant_id, batch_id)
    except NotFound:
        return 0
    message = {
        "type": "batch_update",
        "batch_id": batch_id,
        "status": batch["status"],
        "overall_progress": batch.get("overall_progress"),
        "scenarios": batch["scenarios"],
        "timestamp": utc_now(),
    }
    return deliver(store, push, f"BATCH#{batch_id}", tenant_id, message)
