"""Turns the run table's stream into WebSocket messages: `snapshot` when a run appears, `update` when
its progress or status changes, `milestone` for each history event, `batch_update` for its batch.
Stages only write the run item; they never talk to sockets."""

import logging
from dataclasses import dataclass
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
# An update that changes one of these (a stage change, a completed year, a new status) is sent even
# when a later one follows in the same stream batch; other updates may be left out for the later one.
NEVER_REPLACED_FIELDS = ("status", "current_stage", "current_year")


@dataclass(frozen=True)
class Outgoing:
    """One message for the subscribers of `topic` of one tenant. `replaceable`: a later message of
    the same type and topic in the same stream batch says all it says, so that one alone is sent."""

    topic: str
    tenant_id: str
    message: dict[str, Any]
    replaceable: bool = False


def _image(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    image = record.get("dynamodb", {}).get(name)
    if not image:
        return None
    deserializer = TypeDeserializer()
    return plain({key: deserializer.deserialize(value) for key, value in image.items()})


def update_message(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "update",
        "run_id": run["id"],
        **{f: run.get(f) for f in UPDATE_FIELDS},
        "timestamp": run.get("updated_at") or run.get("completed_at") or utc_now(),
    }


def notify(store: Store, push: Push, records: list[dict[str, Any]]) -> int:
    """Send the messages of a batch of stream records. Each connection gets its messages in record
    order; connections are served concurrently. Returns the messages sent."""
    return deliver(store, push, _leave_out_replaced(_messages(store, records)))


def deliver(store: Store, push: Push, outgoing: list[Outgoing]) -> int:
    """Send each message to the subscribers of its topic and tenant, looked up once per batch;
    forget connections that are gone. Returns the messages sent."""
    subscribed: dict[tuple[str, str], list[str]] = {}
    outbox: dict[str, list[dict[str, Any]]] = {}
    for item in outgoing:
        key = (item.topic, item.tenant_id)
        if key not in subscribed:
            subscribed[key] = subscribers(store, item.topic, item.tenant_id)
        for connection_id in subscribed[key]:
            outbox.setdefault(connection_id, []).append(item.message)
    sent, gone = push.send_each(outbox)
    for connection_id in gone:
        disconnect(store, connection_id)
    return sent


def _leave_out_replaced(outgoing: list[Outgoing]) -> list[Outgoing]:
    later: set[tuple[str, str]] = set()
    kept: list[Outgoing] = []
    for item in reversed(outgoing):
        key = (item.topic, item.message["type"])
        if not (item.replaceable and key in later):
            kept.append(item)
        later.add(key)
    return kept[::-1]


def _messages(store: Store, records: list[dict[str, Any]]) -> list[Outgoing]:
    outgoing: list[Outgoing] = []
    tenants: dict[str, str] = {}  # run id -> tenant id
    batches: dict[str, Outgoing | None] = {}  # batch id -> its batch_update, read once per batch
    for record in records:
        keys = record.get("dynamodb", {}).get("Keys", {})
        pk, sk = keys.get("pk", {}).get("S", ""), keys.get("sk", {}).get("S", "")
        new = _image(record, "NewImage")
        if not pk.startswith("RUN#") or new is None:
            continue
        if sk == "A":
            tenants[new["id"]] = new["tenant_id"]
            item = _run_changed(record["eventName"], _image(record, "OldImage"), new)
            if item is None:
                continue
            outgoing.append(item)
            batch_id = new.get("batch_id")
            if batch_id:
                if batch_id not in batches:
                    batches[batch_id] = _batch_changed(store, new["tenant_id"], batch_id)
                batch_update = batches[batch_id]
                if batch_update is not None:
                    outgoing.append(batch_update)
        elif sk.startswith("EV#") and record["eventName"] == "INSERT" and new.get("kind") != "progress":
            run_id = pk[4:]
            if run_id not in tenants:
                try:
                    tenants[run_id] = store.get("RUN", run_id)["tenant_id"]
                except NotFound:
                    continue
            outgoing.append(_milestone(run_id, tenants[run_id], new))
    return outgoing


def _run_changed(event_name: str, old: dict[str, Any] | None, new: dict[str, Any]) -> Outgoing | None:
    topic, tenant_id = f"RUN#{new['id']}", new["tenant_id"]
    if event_name == "INSERT":
        # Clients may subscribe before the run exists; this is their snapshot.
        return Outgoing(topic, tenant_id, {"type": "snapshot", "run_id": new["id"], **run_view(new)})
    if old is not None and all(old.get(f) == new.get(f) for f in UPDATE_FIELDS):
        return None
    replaceable = old is not None and all(old.get(f) == new.get(f) for f in NEVER_REPLACED_FIELDS)
    return Outgoing(topic, tenant_id, update_message(new), replaceable=replaceable)


def _milestone(run_id: str, tenant_id: str, event: dict[str, Any]) -> Outgoing:
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
    return Outgoing(f"RUN#{run_id}", tenant_id, message)


def _batch_changed(store: Store, tenant_id: str, batch_id: str) -> Outgoing | None:
    """The batch as it is now, which is at least as new as every record of the stream batch: one
    `batch_update`, sent after the last of them."""
    from planalign.services.batches import batch_view

    try:
        batch = batch_view(store, tenant_id, batch_id)
    except NotFound:
        return None
    message = {
        "type": "batch_update",
        "batch_id": batch_id,
        "status": batch["status"],
        "overall_progress": batch.get("overall_progress"),
        "scenarios": batch["scenarios"],
        "timestamp": utc_now(),
    }
    return Outgoing(f"BATCH#{batch_id}", tenant_id, message, replaceable=True)
