"""The DynamoDB store: one table, every item keyed by its own id (`pk = KIND#id`), owned by a tenant
(`tenant_id`), listed through the sparse index `gsi1` (`gsi1pk` = the list it belongs to, `gsi1sk`
= its time-sortable id). Conditional writes carry the optimistic locking."""

import base64
import json
import time
import zlib
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from planalign.adapters.clients import dynamodb_table
from planalign.domain.run_status import ALLOWED_FROM, TERMINAL
from planalign.errors import NotFound, RunConflict
from planalign.settings import get_settings

ITEM_SK = "A"
EVENT_SK_PREFIX = "EV#"  # a run's history: `EV#{seq:08d}` in the run's partition
# The entry that asks the notifier for a connection's first snapshot: in its topic's partition,
# `WS#{connection id}`.
CONNECT_SK_PREFIX = "WS#"
KEY_FIELDS = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "tenant_id", "expires_at")
# Configs are written and read whole, never queried inside: each is one compressed JSON value (a
# Binary), so DynamoDB parses one attribute, not the thousands of a Studio config's nested maps, and
# an item holds a larger config. Items written before this hold maps, and read as they are.
DOCUMENT_FIELDS = frozenset({"base_config", "config_overrides", "config", "studio_config"})


# ------------------------------------------------------------------ the key layout
# Every key of the table is spelled here: services name kinds and ids, never `#`. An item is
# (`KIND#id`, "A"); the entries kept beside it (a run's history, a connection's topics) share its
# partition; a list of items is a gsi1 partition named after what holds them.


def partition(kind: str, item_id: str) -> str:
    """The partition of an item and of the entries beside it: `RUN#run_1`."""
    return f"{kind}#{item_id}"


def split_partition(key: str) -> tuple[str, str]:
    """`RUN#run_1` -> ("RUN", "run_1")."""
    kind, _, item_id = key.partition("#")
    return kind, item_id


def run_key(tenant_id: str, run_id: str) -> str:
    """A run's item id. Run ids are a tenant's own (a client may choose one, and two tenants may each
    have a run `nightly`), so the key holds the tenant: the run's partition is `RUN#{tenant}#{run}`."""
    if "#" in tenant_id:
        raise ValueError(f"a tenant id holds no '#': {tenant_id!r}")
    return f"{tenant_id}#{run_id}"


def key_of_run(run: Mapping[str, Any]) -> str:
    """run_key of a run item."""
    return run_key(run["tenant_id"], run["id"])


def key_of_state(state: Mapping[str, Any]) -> str | None:
    """run_key of a state machine state (its `tenant_id` and `run_id`); None for an import-only one."""
    return run_key(state["tenant_id"], state["run_id"]) if state.get("run_id") else None


def split_run_key(key: str) -> tuple[str, str]:
    """`t1#run_1` -> ("t1", "run_1")."""
    tenant_id, _, run_id = key.partition("#")
    return tenant_id, run_id


def list_key(owner_kind: str, owner_id: str, kind: str) -> str:
    """The gsi1 partition that lists the items of `kind` an item holds: `WS#ws_1#SC`, a workspace's
    scenarios."""
    return f"{partition(owner_kind, owner_id)}#{kind}"


# A run's history (its events, log lines and their counter) expires this long after it was written.
# Deleting a run deletes its history at once; the TTL is for what a stage still running writes for a
# run deleted meanwhile, which would otherwise stay for good.
HISTORY_RETENTION_SECONDS = 400 * 86_400


def history_expiry() -> int:
    """The `expires_at` (TTL, epoch seconds) of a history entry written now."""
    return int(time.time()) + HISTORY_RETENTION_SECONDS


class TransientStoreError(Exception):
    """DynamoDB throttled or failed in a way a retry can fix (the state machine retries on this name)."""


def plain(value: Any) -> Any:
    """DynamoDB's Decimals back to int/float and its sets to sorted lists, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, set):
        return sorted(plain(v) for v in value)
    return value


def to_dynamo(value: Any) -> Any:
    """floats to Decimals (DynamoDB refuses floats), recursively."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {k: to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_dynamo(v) for v in value]
    return value


def pack_documents(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as it is stored: its DOCUMENT_FIELDS as compressed JSON, the rest to_dynamo."""
    return {
        name: zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 1)
        if name in DOCUMENT_FIELDS and value is not None
        else to_dynamo(value)
        for name, value in item.items()
    }


def _binary_bytes(value: Any) -> bytes:
    """The bytes of a Binary attribute as boto3 reads it (a `Binary`), or as given (bytes)."""
    return bytes(value.value) if hasattr(value, "value") else bytes(value)


def unpack_documents(item: Mapping[str, Any]) -> dict[str, Any]:
    """A stored item back to plain values: its documents decompressed, the rest through `plain`."""
    from boto3.dynamodb.types import Binary

    return {
        name: json.loads(zlib.decompress(_binary_bytes(value)))
        if name in DOCUMENT_FIELDS and isinstance(value, Binary | bytes)
        else plain(value)
        for name, value in item.items()
    }


def public(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item without its key attributes."""
    return {k: v for k, v in item.items() if k not in KEY_FIELDS}


def encode_cursor(key: Mapping[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(plain(key)).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        from planalign.errors import InvalidRequest

        raise InvalidRequest("cursor: not a cursor this API returned") from error
    if not isinstance(key, dict):
        from planalign.errors import InvalidRequest

        raise InvalidRequest("cursor: not a cursor this API returned")
    return key


LIST_POSITION_KEYS = frozenset({"pk", "sk", "gsi1pk", "gsi1sk"})


def _list_position(key: dict[str, Any], list_key: str) -> dict[str, Any]:
    """A cursor is a position in one list: the keys of an item of that list, nothing else (a cursor
    of another list, or one made up, is refused before it reaches the table)."""
    if (
        set(key) != LIST_POSITION_KEYS
        or not all(isinstance(value, str) and 0 < len(value) <= 256 for value in key.values())
        or key["gsi1pk"] != list_key
    ):
        from planalign.errors import InvalidRequest

        raise InvalidRequest("cursor: not a cursor of this list")
    return key


def _is_too_large(error: Exception) -> bool:
    """DynamoDB's refusal of an item over 400 KB (a bad request, not our failure)."""
    info = getattr(error, "response", {}).get("Error", {})
    return bool(info.get("Code") == "ValidationException" and "size" in str(info.get("Message", "")).lower())


def _is_condition_failure(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def _is_throttle(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
    return code in ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")


class Store:
    """Items of the run table. Methods raise NotFound, RunConflict or TransientStoreError."""

    def __init__(self, table: Any | None = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = dynamodb_table(get_settings().table_name)
        return self._table

    def _call(self, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        try:
            return getattr(self.table, operation)(**kwargs)
        except ClientError as error:
            if _is_throttle(error):
                raise TransientStoreError(str(error)) from error
            if _is_too_large(error):
                from planalign.errors import InvalidRequest

                raise InvalidRequest(
                    "the request holds more than one item may store (400 KB): send less"
                ) from error
            raise

    # ------------------------------------------------------------------ items
    def get(self, kind: str, item_id: str, tenant_id: str | None = None) -> dict[str, Any]:
        """The item, or NotFound if it does not exist or belongs to another tenant."""
        response = self._call(
            "get_item", Key={"pk": partition(kind, item_id), "sk": ITEM_SK}, ConsistentRead=True
        )
        item = response.get("Item")
        if item is None or (tenant_id is not None and item.get("tenant_id") != tenant_id):
            raise NotFound(f"{kind.lower()} {item_id} not found")
        return unpack_documents(item)

    def create(self, kind: str, item_id: str, item: Mapping[str, Any]) -> None:
        """Put a new item; RunConflict if the id exists already."""
        from botocore.exceptions import ClientError

        try:
            self._call(
                "put_item",
                Item=pack_documents({**item, "pk": partition(kind, item_id), "sk": ITEM_SK}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                raise RunConflict(f"{kind.lower()} {item_id} exists already") from error
            raise

    def update(
        self,
        kind: str,
        item_id: str,
        values: Mapping[str, Any],
        *,
        remove: tuple[str, ...] = (),
        condition: str = "attribute_exists(pk)",
        condition_values: Mapping[str, Any] | None = None,
        condition_names: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Set `values` (and remove `remove`) if `condition` holds; returns the new item.
        A failed condition is RunConflict."""
        from botocore.exceptions import ClientError

        names = {f"#f{i}": name for i, name in enumerate(values)}
        names.update({f"#r{i}": name for i, name in enumerate(remove)})
        names.update(condition_names or {})
        packed = pack_documents(values)
        expression_values = {f":v{i}": value for i, value in enumerate(packed.values())}
        expression_values.update({k: to_dynamo(v) for k, v in (condition_values or {}).items()})
        expression = ""
        if values:
            expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(values)))
        if remove:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        kwargs: dict[str, Any] = {
            "Key": {"pk": partition(kind, item_id), "sk": ITEM_SK},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValues": "ALL_NEW",
        }
        if expression_values:
            kwargs["ExpressionAttributeValues"] = expression_values
        try:
            return unpack_documents(self._call("update_item", **kwargs)["Attributes"])
        except ClientError as error:
            if _is_condition_failure(error):
                raise RunConflict(f"{kind.lower()} {item_id} changed or does not allow this now") from error
            raise

    def delete(self, kind: str, item_id: str) -> None:
        self._call("delete_item", Key={"pk": partition(kind, item_id), "sk": ITEM_SK})

    def list_page(
        self,
        list_key: str,
        *,
        limit: int | None = 50,
        cursor: str | None = None,
        newest_first: bool = True,
        attributes: Sequence[str] = (),
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a list (`gsi1pk`), and the cursor of the next page if more remain; with no
        limit, the whole list from the cursor on. Only the named `attributes` when given (a run item
        holds its configs: reading a list of runs for their ids and statuses should not fetch those)."""
        from boto3.dynamodb.conditions import Key

        if limit is None:
            items: list[dict[str, Any]] = []
            while True:
                page, cursor = self.list_page(
                    list_key, limit=200, cursor=cursor, newest_first=newest_first, attributes=attributes
                )
                items.extend(page)
                if cursor is None:
                    return items, None

        kwargs: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(list_key),
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        if attributes:
            kwargs["ProjectionExpression"] = ", ".join(f"#a{i}" for i in range(len(attributes)))
            kwargs["ExpressionAttributeNames"] = {f"#a{i}": name for i, name in enumerate(attributes)}
        if cursor:
            kwargs["ExclusiveStartKey"] = _list_position(decode_cursor(cursor), list_key)
        response = self._call("query", **kwargs)
        items = [unpack_documents(i) for i in response.get("Items", [])]
        return items, encode_cursor(response.get("LastEvaluatedKey"))

    def list_all(self, list_key: str, *, newest_first: bool = True) -> list[dict[str, Any]]:
        return self.list_page(list_key, limit=None, newest_first=newest_first)[0]

    def active_runs(self, tenant_id: str) -> list[tuple[str, str]]:
        """(run id, status) of a tenant's runs that have not ended (the sparse index gsi2 holds only
        those), in id order."""
        from boto3.dynamodb.conditions import Key

        runs: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {
            "IndexName": "gsi2",
            "KeyConditionExpression": Key("gsi2pk").eq(f"ACTIVE#{tenant_id}"),
        }
        while True:
            response = self._call("query", **kwargs)
            runs.extend((str(item["gsi2sk"]), str(item["status"])) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return runs
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # ------------------------------------------------------------------ runs
    def transition_run(
        self, run: str, status: str, values: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The one place a run's status changes: allowed only from the statuses of ALLOWED_FROM, so a
        terminal run never goes back. RunConflict when the run is not in an allowed status. `run` is
        the run's key (run_key), as in every method here that names a run."""
        allowed = sorted(ALLOWED_FROM[status])
        placeholders = {f":from{i}": s for i, s in enumerate(allowed)}
        remove: tuple[str, ...] = ("gsi2pk", "gsi2sk") if status in TERMINAL else ()
        return self.update(
            "RUN",
            run,
            {**(values or {}), "status": status},
            remove=remove,
            condition=f"attribute_exists(pk) AND #status IN ({', '.join(placeholders)})",
            condition_values=placeholders,
            condition_names={"#status": "status"},
        )

    def append_run_event(self, run: str, event: Mapping[str, Any]) -> int | None:
        """Add a progress event to the run's history with the next sequence number. The counter
        keeps the last event's percent, so percents never go down along the sequence: an event that
        a concurrent writer has overtaken is dropped (None)."""
        from botocore.exceptions import ClientError

        try:
            counter = self._call(
                "update_item",
                Key={"pk": partition("RUN", run), "sk": "SEQ"},
                UpdateExpression="ADD seq :one SET last_percent = :percent, expires_at = :expires",
                ConditionExpression="attribute_not_exists(last_percent) OR last_percent <= :percent",
                ExpressionAttributeValues={
                    ":one": 1,
                    ":percent": to_dynamo(float(event["percent"])),
                    ":expires": history_expiry(),
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return None
            raise
        seq = int(counter["Attributes"]["seq"])
        self._call(
            "put_item",
            Item=to_dynamo(
                {
                    **event,
                    "seq": seq,
                    "pk": partition("RUN", run),
                    "sk": f"{EVENT_SK_PREFIX}{seq:08d}",
                    "expires_at": history_expiry(),
                }
            ),
        )
        return seq

    def run_events(self, run: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(partition("RUN", run))
            & Key("sk").begins_with(EVENT_SK_PREFIX),
            "ConsistentRead": True,
        }
        events: list[dict[str, Any]] = []
        while True:
            response = self._call("query", **kwargs)
            events.extend(public(plain(i)) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return events
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def delete_run_events(self, run: str) -> None:
        """Everything kept beside the run item in its partition: its history, log lines, sequence
        counter and ensemble members (the run item stays)."""
        with self.table.batch_writer() as batch:
            for entry in self.entries(partition("RUN", run), attributes=("pk", "sk")):
                if entry["sk"] != ITEM_SK:
                    batch.delete_item(Key={"pk": entry["pk"], "sk": entry["sk"]})

    def add_run_log(self, run: str, stage: str, lines: Sequence[Mapping[str, str]]) -> None:
        """Lines a stage function logged, in order, beside the run's history (`LOG#` keys sort by time)."""
        expires = history_expiry()
        with self.table.batch_writer() as batch:
            for n, line in enumerate(lines):
                sk = f"LOG#{line['timestamp']}#{stage}#{n:04d}"
                entry = {**line, "stage": stage, "pk": partition("RUN", run), "sk": sk, "expires_at": expires}
                batch.put_item(Item=entry)

    def run_log(self, run: str) -> list[dict[str, Any]]:
        """The run's log lines, oldest first, each with its `sk`."""
        from boto3.dynamodb.conditions import Key

        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(partition("RUN", run)) & Key("sk").begins_with("LOG#"),
            "ConsistentRead": True,
        }
        lines: list[dict[str, Any]] = []
        while True:
            response = self._call("query", **kwargs)
            lines.extend(plain(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return lines
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def claim(self, key: str, item: Mapping[str, Any], ttl_epoch: int) -> bool:
        """Record `key` once (idempotency of at-least-once deliveries): False if it was seen before."""
        from botocore.exceptions import ClientError

        try:
            self._call(
                "put_item",
                Item=to_dynamo({**item, "pk": key, "sk": "CLAIM", "expires_at": ttl_epoch}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    # ------------------------------------------------------------------ WebSocket connections
    def put_entry(self, pk: str, sk: str, item: Mapping[str, Any]) -> None:
        """A keyed entry that is not an entity (connections, subscriptions)."""
        self._call("put_item", Item=pack_documents({**item, "pk": pk, "sk": sk}))

    def add_to_entry_set(
        self,
        pk: str,
        sk: str,
        attribute: str,
        elements: Collection[int] | Collection[str],
        fields: Mapping[str, Any] | None = None,
    ) -> int:
        """Atomically add `elements` to a number or string set of an entry (made on first use), and
        set `fields` with it; returns the set's size. Adding the same element again (a retried
        Lambda) does not count twice."""
        names = {"#set": attribute, **{f"#f{i}": name for i, name in enumerate(fields or {})}}
        values = {
            ":element": set(elements),
            **{f":f{i}": value for i, value in enumerate((fields or {}).values())},
        }
        sets = ", ".join(f"#f{i} = :f{i}" for i in range(len(fields or {})))
        response = self._call(
            "update_item",
            Key={"pk": pk, "sk": sk},
            UpdateExpression="ADD #set :element" + (f" SET {sets}" if sets else ""),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamo(values),
            ReturnValues="ALL_NEW",
        )
        return len(response["Attributes"][attribute])

    def remove_from_entry_set(self, pk: str, sk: str, attribute: str, element: int | str) -> None:
        """Remove `element` from an entry's set; nothing happens when it is not there."""
        from botocore.exceptions import ClientError

        try:
            self._call(
                "update_item",
                Key={"pk": pk, "sk": sk},
                UpdateExpression="DELETE #set :element",
                ConditionExpression="attribute_exists(pk)",  # no empty entry made for a missing one
                ExpressionAttributeNames={"#set": attribute},
                ExpressionAttributeValues={":element": {element}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def add_to_counters(
        self, pk: str, sk: str, deltas: Mapping[str, int], *, must_exist: bool = False
    ) -> None:
        """Atomically add each delta to a number attribute of an entry (made on first use, unless
        `must_exist`: then a missing entry is RunConflict)."""
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {
            "Key": {"pk": pk, "sk": sk},
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(deltas))),
            "ExpressionAttributeNames": {f"#c{i}": name for i, name in enumerate(deltas)},
            "ExpressionAttributeValues": {f":c{i}": value for i, value in enumerate(deltas.values())},
        }
        if must_exist:
            kwargs["ConditionExpression"] = "attribute_exists(pk)"
        try:
            self._call("update_item", **kwargs)
        except ClientError as error:
            if _is_condition_failure(error):
                raise RunConflict(f"{pk} does not exist") from error
            raise

    def move_to_counter(
        self, kind: str, item_id: str, attribute: str, value: int, pk: str, sk: str, counter: str
    ) -> bool:
        """In one transaction, remove `attribute` from an item, where it holds `value`, and add `value`
        to the `counter` of an entry (made on first use): a number counted once, however often it is
        asked. False, with nothing written, when the item no longer holds it (it was counted)."""
        from botocore.exceptions import ClientError

        table = self.table.name
        try:  # the table's client takes plain values, as the table does
            self.table.meta.client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": table,
                            "Key": {"pk": partition(kind, item_id), "sk": ITEM_SK},
                            "UpdateExpression": "REMOVE #a",
                            "ConditionExpression": "#a = :n",
                            "ExpressionAttributeNames": {"#a": attribute},
                            "ExpressionAttributeValues": {":n": value},
                        }
                    },
                    {
                        "Update": {
                            "TableName": table,
                            "Key": {"pk": pk, "sk": sk},
                            "UpdateExpression": "ADD #c :n",
                            "ExpressionAttributeNames": {"#c": counter},
                            "ExpressionAttributeValues": {":n": value},
                        }
                    },
                ]
            )
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
            if "ConditionalCheckFailed" in reasons:
                return False
            if _is_throttle(error) or "TransactionConflict" in reasons:
                raise TransientStoreError(str(error)) from error
            raise
        return True

    def count_in_item(self, kind: str, item_id: str, deltas: Mapping[str, int]) -> None:
        """add_to_counters on an entity item that must exist (RunConflict if it is gone)."""
        self.add_to_counters(partition(kind, item_id), ITEM_SK, deltas, must_exist=True)

    def delete_entry(self, pk: str, sk: str) -> None:
        self._call("delete_item", Key={"pk": pk, "sk": sk})

    def get_entry(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self._call("get_item", Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        return unpack_documents(item) if item else None

    def entries(self, pk: str, attributes: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The items under `pk`; only the named attributes when given (fewer bytes to read)."""
        from boto3.dynamodb.conditions import Key

        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(pk), "ConsistentRead": True}
        if attributes:
            kwargs["ProjectionExpression"] = ", ".join(f"#a{i}" for i in range(len(attributes)))
            kwargs["ExpressionAttributeNames"] = {f"#a{i}": name for i, name in enumerate(attributes)}
        items: list[dict[str, Any]] = []
        while True:
            response = self._call("query", **kwargs)
            items.extend(unpack_documents(i) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def reachable(self) -> bool:
        self._call("get_item", Key={"pk": "HEALTH", "sk": ITEM_SK})
        return True
