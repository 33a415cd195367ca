"""DynamoDB stream delivery as AWS does it: after the write, in write order, in batches. moto calls
the stream's Lambda inside the write request that made the record (so a notifier's own DynamoDB
calls would wait on that write), and hands it whatever records other threads added meanwhile.
Here a write only queues its record (`record` observes moto's item changes), and one thread delivers,
to each function the records its event source mapping's FilterCriteria let through (moto keeps the
criteria but does not apply them); a batch with none left invokes nothing, as in AWS."""

import base64
import functools
import itertools
import logging
import queue
import threading
from typing import Any

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # the template's event source mapping BatchSize


class StreamDelivery:
    def __init__(self) -> None:
        self._records: queue.Queue[tuple[Any, Any]] = queue.Queue()
        self._sequence = itertools.count(1)

    def record(self, table: Any, old: Any, new: Any) -> None:
        """An observer of moto's item changes (see moto_items): queue the change's stream record."""
        from moto.dynamodb.models.table import StreamRecord

        shard = table.stream_shard
        view_type = table.stream_specification["StreamViewType"]
        event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        # Built here, inside the write: the record holds the item images as this write left them.
        record = StreamRecord(table, view_type, event_name, old, new, next(self._sequence))
        for image in ("NewImage", "OldImage"):  # Binary values as a stream sends them: base64 text
            for value in record.record["dynamodb"].get(image, {}).values():
                if isinstance(value.get("B"), bytes):
                    value["B"] = base64.b64encode(value["B"]).decode()
        self._records.put((shard, record))

    def run(self, stopping: threading.Event) -> None:
        """Deliver queued records until `stopping` is set: each batch is what has queued up since
        the last one (at most BATCH_SIZE), for each shard in write order."""
        while not stopping.is_set():
            try:
                batch = [self._records.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._records.get_nowait())
                except queue.Empty:
                    break
            for shard, group in itertools.groupby(batch, key=lambda entry: entry[0]):
                self._deliver(shard, [record for _, record in group])

    @staticmethod
    def _deliver(shard: Any, records: list[Any]) -> None:
        from moto.awslambda.utils import get_backend

        for function_arn, mapping in shard.table.lambda_event_source_mappings.items():
            region = function_arn.split(":")[3]
            try:
                passed = [
                    record for record in records if matches_filters(mapping.filter_criteria, record.record)
                ]
                if not passed:
                    continue
                get_backend(shard.account_id, region).send_dynamodb_items(
                    function_arn, passed, mapping.event_source_arn
                )
            except Exception:
                logger.exception("stream delivery to %s failed", function_arn)


def matches_filters(criteria: dict[str, Any] | None, record: dict[str, Any]) -> bool:
    """Whether a stream record (as the function gets it) matches one of the mapping's filters, or
    the mapping has none. Lambda's filter patterns are EventBridge's, which moto matches."""
    if not criteria or not criteria.get("Filters"):
        return True
    # The matcher takes JSON: the record's one non-JSON value (a datetime; epoch seconds in the
    # event the function gets) is left out.
    dynamodb = {k: v for k, v in record["dynamodb"].items() if k != "ApproximateCreationDateTime"}
    event = {**record, "dynamodb": dynamodb}
    return any(_pattern(f["Pattern"]).matches_event(event) for f in criteria["Filters"])


@functools.lru_cache(maxsize=16)
def _pattern(text: str) -> Any:
    from moto.events.models import EventPattern

    return EventPattern.load(text)
