"""Counts what a metered run stage uses: botocore event hooks on our DynamoDB and S3 clients add each
request (and the capacity DynamoDB reports) to the meter of the calling context. Outside a metered
stage (the API functions, the notifier) the hooks do nothing."""

import math
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
# S3's request classes: PUT, COPY, POST and LIST are billed at one price, GET and the rest at another;
# DELETE is free.
S3_PUT_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "ListObjects",
        "ListObjectsV2",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
    }
)
S3_GET_CLASS = frozenset({"GetObject", "HeadObject"})
# Without ConsumedCapacity in an answer: a write of an item under 1 KB, an eventually consistent read.
FALLBACK_WRITE_UNITS = 1.0
FALLBACK_READ_UNITS = 0.5


class Meter:
    """What one stage invocation used so far. Counters are ints (DynamoDB units in thousandths), so
    they add up exactly in the run's counters entry."""

    def __init__(self, stage: str, memory_mb: int) -> None:
        self.stage = stage
        self.memory_mb = memory_mb
        self.began = time.perf_counter()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, name: str, amount: int) -> None:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + amount

    def counters(self) -> dict[str, int]:
        """This invocation's counters, its duration (billed per started millisecond) until now included."""
        elapsed_ms = math.ceil((time.perf_counter() - self.began) * 1000)
        with self._lock:
            counts = dict(self._counts)
        return {
            **counts,
            f"{self.stage}_invocations": 1,
            f"{self.stage}_mb_ms": self.memory_mb * elapsed_ms,
        }


current_meter: ContextVar[Meter | None] = ContextVar("planalign_run_meter", default=None)


def in_this_context(function: Callable[P, R]) -> Callable[P, R]:
    """`function` metered by the caller's meter when it runs on another thread (a pool, the heartbeat)."""
    meter = current_meter.get()

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        token = current_meter.set(meter)
        try:
            return function(*args, **kwargs)
        finally:
            current_meter.reset(token)

    return call


def install(client: Any) -> None:
    """Count a metered stage's requests made with this boto3 client (DynamoDB or S3)."""
    service = client.meta.service_model.service_name
    events = client.meta.events
    if service == "dynamodb":
        events.register("provide-client-params.dynamodb", _ask_consumed_capacity)
        events.register("after-call.dynamodb", _count_dynamodb)
    elif service == "s3":
        events.register("after-call.s3", _count_s3)


def _ask_consumed_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
    if current_meter.get() is not None and model.name in DYNAMODB_READS | DYNAMODB_WRITES:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")


def _count_dynamodb(parsed: Mapping[str, Any], model: Any, **_: Any) -> None:
    meter = current_meter.get()
    if meter is None or model.name not in DYNAMODB_READS | DYNAMODB_WRITES:
        return
    write = model.name in DYNAMODB_WRITES
    consumed = parsed.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    units = sum(float(entry.get("CapacityUnits") or 0) for entry in entries)
    if not entries:
        units = FALLBACK_WRITE_UNITS if write else FALLBACK_READ_UNITS
    name = "dynamodb_write_milliunits" if write else "dynamodb_read_milliunits"
    meter.add(name, round(units * 1000))


def _count_s3(model: Any, **_: Any) -> None:
    meter = current_meter.get()
    if meter is None:
        return
    if model.name in S3_PUT_CLASS:
        meter.add("s3_put_requests", 1)
    elif model.name in S3_GET_CLASS:
        meter.add("s3_get_requests", 1)
