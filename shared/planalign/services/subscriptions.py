"""WebSocket connections and their subscriptions to runs and batches, kept in the table with a TTL.
The subscribers of a topic are one entry per tenant, holding the set of their connection ids: a
fan-out reads them with one GetItem (a Query of 200 subscription items took 18 ms locally, this 3 ms),
and messages go only to subscribers of the run's tenant.

A connection opened with `run_id` or `batch_id` in its query string (the Studio's
`/ws/simulation/{run_id}` and `/ws/batch/{batch_id}`, which the local gateway and a front door turn
into that) subscribes on `$connect`, but nothing can be posted to it from there: API Gateway answers
410 until `$connect` has returned (and a 410 makes the notifier forget a connection). So `$connect`
puts an entry `WS#{connection_id}` under the topic's key; the table's stream hands it to the notifier,
which posts the snapshot to that one connection (retrying while it opens) and only then adds it to
the topic's subscribers. The entry shares the run item's partition key, so its stream record is in
order with the run's: every record before it is in the snapshot, every one after it reaches the
connection as a message."""

import json
import re
import time
from collections.abc import Collection, Mapping
from typing import Any

from planalign.adapters.push import Push
from planalign.adapters.store import CONNECT_SK_PREFIX, ITEM_SK, Store, partition, run_key, split_partition
from planalign.errors import InvalidRequest, NotFound
from planalign.ids import utc_now
from planalign.services import telemetry

CONNECTION_TTL_SECONDS = 3 * 3600  # at least 2 h, as long as API Gateway keeps a socket open
# Each subscription rewrites the connection's entry: a bound keeps it small and a client honest.
MAX_TOPICS_PER_CONNECTION = 100
MAX_ID_LENGTH = 64  # run ids, and the ids this API makes
CONNECT_ENTRY_TTL_SECONDS = 600  # it is read once, right after it is written
TOPIC_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _ttl(seconds: int = CONNECTION_TTL_SECONDS) -> int:
    return int(time.time()) + seconds


def connect(store: Store, connection_id: str, tenant_id: str, query: Mapping[str, str] | None = None) -> None:
    """Record a new connection; with `run_id` or `batch_id` in its query, ask the notifier to send it
    the snapshot of that run or batch and subscribe it. InvalidRequest for an id that cannot be one."""
    named = _named(dict(query or {}))
    if named is not None and not TOPIC_ID.match(named[1]):
        raise InvalidRequest(f"not a run or batch id: {named[1]!r}")
    topic = _topic(named, tenant_id)
    store.put_entry(
        partition("CONN", connection_id),
        ITEM_SK,
        {
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "connected_at": utc_now(),
            "topics": [] if topic is None else [topic],
            "expires_at": _ttl(),
        },
    )
    if topic is None:
        return
    store.put_entry(
        topic,
        f"{CONNECT_SK_PREFIX}{connection_id}",
        {
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "expires_at": _ttl(CONNECT_ENTRY_TTL_SECONDS),
        },
    )


def disconnect(store: Store, connection_id: str) -> None:
    connection = store.get_entry(partition("CONN", connection_id), ITEM_SK)
    if connection is None:
        return
    for topic in connection.get("topics", []):
        unsubscribe(store, connection_id, connection["tenant_id"], topic)
    store.delete_entry(partition("CONN", connection_id), ITEM_SK)


def _subscribers_key(topic: str, tenant_id: str) -> tuple[str, str]:
    return partition("SUB", topic), partition("T", tenant_id)


def subscribers(store: Store, topic: str, tenant_id: str) -> list[str]:
    """Connection ids subscribed to `topic` (a run's or a batch's partition) by the given tenant."""
    entry = store.get_entry(*_subscribers_key(topic, tenant_id))
    return list((entry or {}).get("connections", []))  # plain() made the set a sorted list


def _named(message: dict[str, Any]) -> tuple[str, str] | None:
    """("RUN", run id) or ("BATCH", batch id) of the run or batch a message names."""
    for key, kind in (("run_id", "RUN"), ("batch_id", "BATCH")):
        value = message.get(key)
        if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH:
            return kind, value
    return None


def _topic(named: tuple[str, str] | None, tenant_id: str) -> str | None:
    """The partition of the run or batch `_named` found: its topic (a run's holds its tenant)."""
    if named is None:
        return None
    kind, item_id = named
    return partition(kind, run_key(tenant_id, item_id) if kind == "RUN" else item_id)


def snapshot(store: Store, topic: str, tenant_id: str) -> dict[str, Any] | None:
    """What a new subscriber of a run or batch gets first: the run's telemetry `snapshot`, or the
    batch's `batch_update`; None if it does not exist (yet) for this tenant."""
    kind, item_id = split_partition(topic)
    try:
        if kind == "RUN":
            return telemetry.snapshot_message(store.get("RUN", item_id, tenant_id), store.run_events(item_id))
        from planalign.services.batches import batch_view

        return telemetry.batch_message(batch_view(store, tenant_id, item_id), utc_now())
    except NotFound:
        return None


def add_subscribers(store: Store, topic: str, tenant_id: str, connection_ids: Collection[str]) -> None:
    # The entry lives as long as its newest subscriber can: API Gateway closes a socket after 2 h.
    store.add_to_entry_set(
        *_subscribers_key(topic, tenant_id), "connections", connection_ids, {"expires_at": _ttl()}
    )


def subscribe(store: Store, push: Push, connection_id: str, tenant_id: str, topic: str) -> None:
    """Subscribe an open connection (the `subscribe` action) and send it the snapshot."""
    connection = store.get_entry(partition("CONN", connection_id), ITEM_SK)
    if connection is None or connection["tenant_id"] != tenant_id:
        raise NotFound("connection not found")
    held = connection.get("topics", [])
    if topic not in held and len(held) >= MAX_TOPICS_PER_CONNECTION:
        push.send(
            connection_id,
            {
                "type": "error",
                "detail": f"a connection follows at most {MAX_TOPICS_PER_CONNECTION} runs and batches: "
                "unsubscribe from one first",
            },
        )
        return
    add_subscribers(store, topic, tenant_id, [connection_id])
    topics = sorted({*held, topic})
    store.put_entry(
        partition("CONN", connection_id), ITEM_SK, {**connection, "topics": topics, "expires_at": _ttl()}
    )
    message = snapshot(store, topic, tenant_id)
    if message is not None:
        push.send(connection_id, message)


def unsubscribe(store: Store, connection_id: str, tenant_id: str, topic: str) -> None:
    store.remove_from_entry_set(*_subscribers_key(topic, tenant_id), "connections", connection_id)
    connection = store.get_entry(partition("CONN", connection_id), ITEM_SK)
    if connection is not None and topic in connection.get("topics", []):
        topics = [held for held in connection["topics"] if held != topic]
        store.put_entry(partition("CONN", connection_id), ITEM_SK, {**connection, "topics": topics})


def handle_message(
    store: Store, push: Push, connection_id: str, tenant_id: str, route: str, body: str
) -> None:
    """One client message on an action route (or $default): answers `pong` or `error` to the client."""
    try:
        message = json.loads(body or "{}")
    except ValueError:
        push.send(connection_id, {"type": "error", "detail": "message is not JSON"})
        return
    if not isinstance(message, dict):
        push.send(connection_id, {"type": "error", "detail": "message must be a JSON object"})
        return
    action = message.get("action")
    if route == "ping" or action == "ping":
        push.send(connection_id, {"type": "pong", "timestamp": utc_now()})
        return
    topic = _topic(_named(message), tenant_id)
    if action not in ("subscribe", "unsubscribe") or route not in ("subscribe", "unsubscribe"):
        push.send(
            connection_id,
            {"type": "error", "detail": f"unknown action {action!r}: use subscribe, unsubscribe or ping"},
        )
        return
    if topic is None:
        push.send(connection_id, {"type": "error", "detail": f"{action} needs a run_id or a batch_id"})
        return
    if action == "subscribe":
        subscribe(store, push, connection_id, tenant_id, topic)
    else:
        unsubscribe(store, connection_id, tenant_id, topic)
