"""Turns the run table's stream into the Studio's WebSocket messages (built by services/telemetry.py):
`snapshot` when a run appears, and to a connection that subscribed on `$connect`; `update` when what
the telemetry shows of a run changes; `heartbeat` when only the run's heartbeat did; `milestone` for
each history event that is a feed entry; `batch_update` (the Studio's BatchTelemetry) for its batch.
Stages only write the run item and its history; they never talk to sockets."""

import base64
import logging
import time
from dataclasses import dataclass
from typing import Any

from planalign.adapters.push import Push
from planalign.adapters.store import (
    CONNECT_SK_PREFIX,
    DOCUMENT_FIELDS,
    EVENT_SK_PREFIX,
    ITEM_SK,
    Store,
    key_of_run,
    partition,
    split_partition,
    split_run_key,
    unpack_documents,
)
from planalign.errors import NotFound
from planalign.ids import utc_now
from planalign.services import telemetry
from planalign.services.run_usage import count_messages
from planalign.services.subscriptions import (
    add_subscribers,
    disconnect,
    snapshot,
    subscribers,
    unsubscribe,
)

logger = logging.getLogger(__name__)
# An update that changes one of these (a new status, a stage change, the next year) is sent even when
# a later one follows in the same stream batch; other updates may be left out for the later one.
NEVER_REPLACED_FIELDS = ("status", "current_stage", "current_year")
# API Gateway answers 410 to a post until `$connect` has returned and the socket is open; the stream
# record of a connection's subscription can reach us before that. Waits before each retry, seconds.
OPENING_RETRY_SECONDS = (0.05, 0.1, 0.2, 0.4, 0.8)


@dataclass(frozen=True)
class Outgoing:
    """One message for the subscribers of `topic` of one tenant, or only for `connection_id` (its
    snapshot on connect). `replaceable`: a later message of the same type and topic in the same
    stream batch says all it says, so that one alone is sent."""

    topic: str
    tenant_id: str
    message: dict[str, Any]
    replaceable: bool = False
    connection_id: str | None = None


_UNREAD_DOCUMENTS = DOCUMENT_FIELDS - {"config"}


def _image(record: dict[str, Any], name: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer

    image = record.get("dynamodb", {}).get(name)
    if not image:
        return None
    deserializer = TypeDeserializer()
    # A stream record carries Binary values base64-encoded, as JSON must (the SDK decodes them in API
    # answers, not here); only stored documents are Binary, and only at the top level. Of those the
    # messages read the run's engine config (its years); the Studio's documents are left undecoded.
    wire: dict[str, Any] = {
        key: {"B": base64.b64decode(value["B"])} if "B" in value else value
        for key, value in image.items()
        if key not in _UNREAD_DOCUMENTS
    }
    return unpack_documents({key: deserializer.deserialize(value) for key, value in wire.items()})


def notify(store: Store, push: Push, records: list[dict[str, Any]]) -> int:
    """Send the messages of a batch of stream records. Each connection gets its messages in record
    order; connections are served concurrently. Returns the messages sent."""
    return deliver(store, push, _leave_out_replaced(_messages(store, records)))


def deliver(store: Store, push: Push, outgoing: list[Outgoing]) -> int:
    """Send each message to the subscribers of its topic and tenant, looked up once per batch, and
    forget connections that are gone; then each connection's own snapshot, after which it is one of
    the topic's subscribers (the snapshot, read after every record of the batch was written, says
    what their messages said). Returns the messages sent."""
    subscribed: dict[tuple[str, str], list[str]] = {}
    outbox: dict[str, list[dict[str, Any]]] = {}
    posted: dict[str, int] = {}  # by topic, for the run's cost
    for item in outgoing:
        if item.connection_id:
            continue
        key = (item.topic, item.tenant_id)
        if key not in subscribed:
            subscribed[key] = subscribers(store, item.topic, item.tenant_id)
        for connection_id in subscribed[key]:
            outbox.setdefault(connection_id, []).append(item.message)
        posted[item.topic] = posted.get(item.topic, 0) + len(subscribed[key])
    sent, gone = push.send_each(outbox)
    for connection_id in gone:
        # Also from what it was posted for: its entry may be gone already (closed while subscribing).
        for (topic, tenant_id), connections in subscribed.items():
            if connection_id in connections:
                unsubscribe(store, connection_id, tenant_id, topic)
        disconnect(store, connection_id)
    for (topic, tenant_id), connection_ids in _send_snapshots(push, outgoing).items():
        add_subscribers(store, topic, tenant_id, connection_ids)
        posted[topic] = posted.get(topic, 0) + len(connection_ids)
        sent += len(connection_ids)
    count_messages(store, posted)
    return sent


def _send_snapshots(push: Push, outgoing: list[Outgoing]) -> dict[tuple[str, str], list[str]]:
    """Post each new connection its snapshot, connections concurrently, again to those still opening;
    returns the connections that got theirs, by topic and tenant. One that stays gone is not
    subscribed: it never opened, or it closed (its `$disconnect` forgets it)."""
    pending = {item.connection_id: item for item in outgoing if item.connection_id}
    opened: dict[tuple[str, str], list[str]] = {}
    for wait in (0.0, *OPENING_RETRY_SECONDS):
        if not pending:
            break
        time.sleep(wait)
        _, gone = push.send_each({connection_id: [item.message] for connection_id, item in pending.items()})
        for connection_id, item in pending.items():
            if connection_id not in gone:
                opened.setdefault((item.topic, item.tenant_id), []).append(connection_id)
        pending = {connection_id: pending[connection_id] for connection_id in gone}
    for connection_id in pending:
        logger.info("connection never opened for its snapshot", extra={"connection_id": connection_id})
    return opened


def _leave_out_replaced(outgoing: list[Outgoing]) -> list[Outgoing]:
    later: set[tuple[str, str]] = set()
    kept: list[Outgoing] = []
    for item in reversed(outgoing):
        key = (item.topic, item.message["type"])
        if not (item.replaceable and key in later):
            kept.append(item)
        if item.connection_id is None:
            later.add(key)
    return kept[::-1]


def _messages(store: Store, records: list[dict[str, Any]]) -> list[Outgoing]:
    outgoing: list[Outgoing] = []
    batches: dict[str, Outgoing | None] = {}  # batch id -> its batch_update, read once per batch
    connecting = _Connecting(store)
    for record in records:
        keys = record.get("dynamodb", {}).get("Keys", {})
        pk, sk = keys.get("pk", {}).get("S", ""), keys.get("sk", {}).get("S", "")
        new = _image(record, "NewImage")
        if new is None:
            continue
        if sk.startswith(CONNECT_SK_PREFIX):
            if record["eventName"] == "INSERT":
                outgoing.extend(connecting.connected(pk, new))
            continue
        kind, run = split_partition(pk)
        if kind != "RUN":
            continue
        if sk == ITEM_SK:
            item = _run_changed(record["eventName"], _image(record, "OldImage"), new)
            if item is None:
                continue
            outgoing.append(item)
            batch_id = new.get("batch_id")
            if batch_id and item.message["type"] != "heartbeat":
                if batch_id not in batches:
                    batches[batch_id] = _batch_changed(store, new["tenant_id"], batch_id)
                batch_update = batches[batch_id]
                if batch_update is not None:
                    outgoing.append(batch_update)
        elif sk.startswith(EVENT_SK_PREFIX) and record["eventName"] == "INSERT":
            tenant_id, run_id = split_run_key(run)
            message = telemetry.milestone_message(run_id, new)
            if message is not None:
                outgoing.append(Outgoing(pk, tenant_id, message))
    connecting.subscribe_waiting()
    return outgoing


class _Connecting:
    """The connections of one stream batch that subscribed to a topic on `$connect`: a topic's snapshot
    is read once for all of them (200 Studio tabs opening one run cost one read, not 200), and those of
    a run or batch that does not exist for its tenant (yet) are subscribed in one write: the run's own
    snapshot reaches them when it is created."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.snapshots: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.waiting: dict[tuple[str, str], list[str]] = {}

    def connected(self, topic: str, entry: dict[str, Any]) -> list[Outgoing]:
        """The snapshot for the connection of `entry`, or none (it waits for the run)."""
        tenant_id, connection_id = entry["tenant_id"], entry["connection_id"]
        key = (topic, tenant_id)
        if key not in self.snapshots:
            self.snapshots[key] = snapshot(self.store, topic, tenant_id)
        message = self.snapshots[key]
        if message is None:
            self.waiting.setdefault(key, []).append(connection_id)
            return []
        return [Outgoing(topic, tenant_id, message, connection_id=connection_id)]

    def subscribe_waiting(self) -> None:
        for (topic, tenant_id), connection_ids in self.waiting.items():
            add_subscribers(self.store, topic, tenant_id, connection_ids)


def _run_changed(event_name: str, old: dict[str, Any] | None, new: dict[str, Any]) -> Outgoing | None:
    topic, tenant_id = partition("RUN", key_of_run(new)), new["tenant_id"]
    if event_name == "INSERT":
        # Clients may subscribe before the run exists; this is their snapshot (no history yet).
        return Outgoing(topic, tenant_id, telemetry.snapshot_message(new, []))
    message = telemetry.update_message(new)
    if old is None:
        return Outgoing(topic, tenant_id, message)
    before, after = telemetry.run_update(old), message["data"]
    if before == after:
        if old.get("heartbeat_at") != new.get("heartbeat_at"):
            return Outgoing(topic, tenant_id, telemetry.heartbeat_message(new["id"]), replaceable=True)
        return None
    replaceable = all(before[f] == after[f] for f in NEVER_REPLACED_FIELDS)
    return Outgoing(topic, tenant_id, message, replaceable=replaceable)


def _batch_changed(store: Store, tenant_id: str, batch_id: str) -> Outgoing | None:
    """The batch as it is now, which is at least as new as every record of the stream batch: one
    `batch_update`, sent after the last of them."""
    from planalign.services.batches import batch_view

    try:
        batch = batch_view(store, tenant_id, batch_id)
    except NotFound:
        return None
    return Outgoing(
        partition("BATCH", batch_id), tenant_id, telemetry.batch_message(batch, utc_now()), replaceable=True
    )
