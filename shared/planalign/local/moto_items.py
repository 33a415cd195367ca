"""moto's DynamoDB items at the cost AWS's have, and one place that sees every change to them.

moto 5.2 spends time on large items where DynamoDB does not: `DynamoType.size` re-wraps every value
of a map (so a nested config costs O(nodes x depth)), an `Item` re-adds the whole item's size for each
attribute it is built with, `to_regular_json` deep-copies the item again at each level, and a Query
sorts and walks every item of the table to find those of one key. With 1,763 workspaces (a Studio
config each, 18 KB as DynamoDB JSON) a listing took seconds. Here the three are linear, and a Query
reads only the items of its partition (a table query) or of its index key (a GSI map kept from every
change); moto's own query code then pages, filters and projects them as before, without deep-copying
them (the answer is written from them at once, under the lock that serializes DynamoDB requests).
An item's size and its wire form are kept until it changes.

Every change to an item passes `StreamShard.add(old, new)` (PutItem, UpdateItem, DeleteItem, and the
writes of batches and transactions), so the observers of `observe_changes` (the GSI maps, the
journal, the stream delivery) see each one, inside the request that made it. Tables without a stream
are not observed, and their queries keep moto's path."""

import copy
import threading
from collections.abc import Callable, Iterable
from typing import Any

ChangeObserver = Callable[[Any, Any, Any], None]  # (table, old item or None, new item or None)
ITEM_SIZE_LIMIT = 405_000  # moto's limit (DynamoDB's 400 KB, measured)
# Marks an item whose changes the observers see (its table has a stream): only such an item's size and
# wire form may be kept. Other tables (a test's mock_aws table) change items unseen.
OBSERVED = "planalign_observed"

_observers: list[ChangeObserver] = []
_narrowed = threading.local()  # the candidates of the Query running on this thread


def observe_changes(observers: Iterable[ChangeObserver]) -> None:
    """Replace the observers of item changes (a new local stack brings its own)."""
    _observers[:] = [item_changed, *observers]


def install() -> None:
    """Patch moto's item model and queries once per process."""
    from moto.dynamodb import responses
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.models.table import StreamShard, Table

    if getattr(Table.query, "narrowed", False):
        return
    DynamoType.__init__ = _dynamo_type_init  # type: ignore[method-assign]
    DynamoType.size = _dynamo_type_size  # type: ignore[method-assign]
    DynamoType.to_regular_json = _dynamo_type_regular_json  # type: ignore[method-assign]
    Item.__init__ = _item_init  # type: ignore[method-assign]
    Item.size = _item_size  # type: ignore[method-assign]
    Item.__deepcopy__ = _item_deepcopy(Item.__deepcopy__)  # type: ignore[method-assign,assignment]
    responses.dynamo_to_dict = _kept_wire_form(responses.dynamo_to_dict)  # type: ignore[assignment]
    StreamShard.add = _shard_add  # type: ignore[method-assign,assignment]
    Table.query = _narrowed_query(Table.query)  # type: ignore[method-assign]
    Table.all_items = _narrowed_all_items(Table.all_items)  # type: ignore[method-assign,assignment]
    observe_changes([])


# ---------------------------------------------------------------------- linear item model
def _dynamo_type_init(self: Any, type_as_dict: Any) -> None:
    """moto's `DynamoType.__init__` (a new tree of nodes, from wire JSON or from another node)
    without its per-node list copies: a restart builds every item of the table this way."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if type(type_as_dict) is DynamoType:
        kind, value = type_as_dict.type, type_as_dict.value
    else:
        kind, value = next(iter(type_as_dict.items()))
    self.type = kind
    if kind == "L":
        value = [DynamoType(nested) for nested in value]
    elif kind == "M":
        value = {key: DynamoType(nested) for key, nested in value.items()}
    self.value = value


def _dynamo_type_size(self: Any) -> int:
    from moto.dynamodb.models.dynamo_type import DynamoType, bytesize

    if self.is_map():
        return sum(
            bytesize(key) + (value if isinstance(value, DynamoType) else DynamoType(value)).size()
            for key, value in self.value.items()
        )
    if self.is_list():
        return sum(value.size() for value in self.value)
    if self.is_number():
        return len(str(self.value))
    if self.is_set():
        sub_type = self.type[0]
        return sum(DynamoType({sub_type: value}).size() for value in self.value)
    if isinstance(self.value, bool):
        return 1
    return int(bytesize(self.value))


def _dynamo_type_regular_json(self: Any) -> dict[str, Any]:
    """moto's `to_regular_json` (a plain copy of the value, DynamoDB-typed), copying each node once."""
    import base64

    from moto.dynamodb.models.dynamo_type import DynamoType

    value = self.value
    if isinstance(value, dict):
        value = {
            key: nested.to_regular_json() if isinstance(nested, DynamoType) else copy.deepcopy(nested)
            for key, nested in value.items()
        }
    elif isinstance(value, list):
        value = [
            nested.to_regular_json() if isinstance(nested, DynamoType) else copy.deepcopy(nested)
            for nested in value
        ]
    if self.is_binary() and isinstance(value, str):
        value = base64.b64decode(value)
    return {self.type: value}


def _item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
    """moto's `Item.__init__` with the size checked once for the whole item (moto checks the running
    total at each attribute: the same outcome, as sizes only add up)."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict, bytesize

    self.hash_key = hash_key
    self.range_key = range_key
    built = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(built)
    for key, value in attrs.items():
        dict.__setitem__(built, key, DynamoType(value))
    if sum(bytesize(key) + value.size() for key, value in built.items()) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = built


def _item_size(self: Any) -> int:
    """The item's size, kept while an observer sees its changes (a table with a stream): an item of
    any other table is measured each time, as moto does, since nothing would tell it changed."""
    from moto.dynamodb.models.dynamo_type import bytesize

    observed = self.attrs.__dict__.get(OBSERVED)
    size: int | None = self.__dict__.get("planalign_size") if observed else None
    if size is None:
        size = sum(bytesize(key) + value.size() for key, value in self.attrs.items())
        if observed:
            self.__dict__["planalign_size"] = size
    return size


def _item_deepcopy(
    moto_deepcopy: Callable[[Any, dict[int, Any]], Any],
) -> Callable[[Any, dict[int, Any]], Any]:
    def deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        if getattr(_narrowed, "candidates", None) is not None:
            return self  # a narrowed Query's results are read once, under the DynamoDB lock
        return moto_deepcopy(self, memo)

    return deepcopy


def _kept_wire_form(moto_dynamo_to_dict: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto's conversion of a result to wire form, keeping each item's form until it changes."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    def dynamo_to_dict(value: Any) -> Any:
        if isinstance(value, LimitedSizeDict):
            if not value.__dict__.get(OBSERVED):  # no observer would tell this item changed
                return moto_dynamo_to_dict(value)
            wire = value.__dict__.get("planalign_wire")
            if wire is None:
                wire = value.__dict__["planalign_wire"] = moto_dynamo_to_dict(value)
            return wire
        if isinstance(value, dict):
            return {key: dynamo_to_dict(nested) for key, nested in value.items()}
        if isinstance(value, list):
            return [dynamo_to_dict(nested) for nested in value]
        return moto_dynamo_to_dict(value)

    return dynamo_to_dict


# ---------------------------------------------------------------------- changes
def _shard_add(shard: Any, old: Any, new: Any) -> None:
    for observer in _observers:
        observer(shard.table, old, new)


def restore_item(table: Any, attributes: dict[str, Any]) -> None:
    """Put an item that the table held before a restart back, as it was: no conditions or
    validation (it passed them when written), no stream record, no observer."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    hash_key = DynamoType(attributes[table.hash_key_attr])
    if table.range_key_attr:
        range_key = DynamoType(attributes[table.range_key_attr])
        table.items[hash_key][range_key] = Item(hash_key, range_key, attributes)
    else:
        table.items[hash_key] = Item(hash_key, None, attributes)


def item_key(table: Any, item: Any) -> tuple[Any, Any]:
    return (item.hash_key, item.range_key if table.range_key_attr else None)


def item_changed(table: Any, old: Any, new: Any) -> None:
    """Forget what was kept of the changed item, and keep the table's GSI maps in step."""
    if new is not None:
        new.__dict__.pop("planalign_size", None)
        new.attrs.__dict__.pop("planalign_wire", None)
        new.attrs.__dict__[OBSERVED] = True  # its next change passes here too: it may be kept
    _index_change(table, old, new)


def _index_change(table: Any, old: Any, new: Any) -> None:
    maps: dict[str, dict[Any, set[tuple[Any, Any]]]] | None = getattr(table, "planalign_gsi_maps", None)
    if maps is None:
        return
    for index in table.global_indexes:
        attribute = _single_hash_attribute(index)
        if attribute is None:
            continue
        keys_by_value = maps.setdefault(index.name, {})
        for item, add in ((old, False), (new, True)):
            value = item.attrs.get(attribute) if item is not None else None
            if value is None:
                continue
            keys = keys_by_value.setdefault(value, set())
            if add:
                keys.add(item_key(table, item))
            else:
                keys.discard(item_key(table, item))


def _single_hash_attribute(index: Any) -> str | None:
    hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    return hashes[0] if len(hashes) == 1 else None


def _gsi_maps(table: Any) -> dict[str, dict[Any, set[tuple[Any, Any]]]]:
    maps: dict[str, dict[Any, set[tuple[Any, Any]]]] | None = getattr(table, "planalign_gsi_maps", None)
    if maps is None:
        maps = {}
        table.planalign_gsi_maps = maps
        for item in _every_item(table):
            _index_change(table, None, item)
    return maps


def _every_item(table: Any) -> list[Any]:
    if table.range_key_attr:
        return [item for partition in table.items.values() for item in partition.values()]
    return list(table.items.values())


# ---------------------------------------------------------------------- narrowed queries
def _candidates(table: Any, hash_key: Any, index_name: str | None, hash_conditions: Any) -> list[Any] | None:
    """The items a Query can return, or None to let moto walk the whole table."""
    if table.stream_shard is None:
        return None  # no observer sees this table's changes
    if not index_name:
        if hash_key is None or not table.range_key_attr:
            return None
        partition = table.items.get(hash_key)
        return list(partition.values()) if partition else []
    index = next((i for i in table.global_indexes if i.name == index_name), None)
    attribute = _single_hash_attribute(index) if index is not None else None
    if attribute is None or not hash_conditions or len(hash_conditions) != 1:
        return None
    name, value = hash_conditions[0]
    if name != attribute:
        return None
    found = []
    for hash_value, range_value in _gsi_maps(table).get(index_name, {}).get(value, ()):
        partition = table.items.get(hash_value)
        item = partition.get(range_value) if table.range_key_attr and partition else partition
        if item is not None and item.attrs.get(attribute) == value:
            found.append(item)
    return found


def _narrowed_query(moto_query: Callable[..., Any]) -> Callable[..., Any]:
    import inspect

    signature = inspect.signature(moto_query)

    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        candidates = _candidates(
            self, arguments.get("hash_key"), arguments.get("index_name"), arguments.get("hash_key_conditions")
        )
        if candidates is None:
            return moto_query(self, *args, **kwargs)
        candidates.sort(key=lambda item: (item.hash_key, item.range_key) if item.range_key else item.hash_key)
        _narrowed.candidates = (self, candidates)
        try:
            return moto_query(self, *args, **kwargs)
        finally:
            _narrowed.candidates = None

    query.narrowed = True  # type: ignore[attr-defined]
    return query


def _narrowed_all_items(moto_all_items: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    def all_items(self: Any) -> list[Any]:
        narrowed = getattr(_narrowed, "candidates", None)
        if narrowed is not None and narrowed[0] is self:
            return list(narrowed[1])
        return moto_all_items(self)

    return all_items
