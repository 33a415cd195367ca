"""WebSocket push through API Gateway's management API (`@connections`); the local gateway serves the
same endpoint, so this code runs unchanged on the local stack."""

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from functools import lru_cache
from typing import Any

from planalign.settings import get_settings

# The management API takes one connection per call and answers each in milliseconds to tens of
# milliseconds: 200 subscribers posted one after another would wait on 200 round trips.
SENDERS = 16


@lru_cache(maxsize=4)
def _management_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "apigatewaymanagementapi", endpoint_url=endpoint, config=Config(max_pool_connections=SENDERS)
    )


@lru_cache(maxsize=1)
def _senders() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="push")


def _encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, default=str).encode()


class Push:
    def __init__(self, endpoint: str | None = None) -> None:
        self._endpoint = endpoint

    def _client(self) -> Any:
        return _management_client(self._endpoint or get_settings().websocket_callback_url)

    def _post(self, connection_id: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client().post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("GoneException", "410"):
                return False
            raise
        return True

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Deliver one message; False when the connection is gone (410), so the caller forgets it."""
        return self._post(connection_id, _encode(message))

    def send_each(self, outbox: Mapping[str, Sequence[Mapping[str, Any]]]) -> tuple[int, list[str]]:
        """Deliver each connection's messages in their order, connections concurrently. A message
        shared by many connections is encoded once. Returns the messages sent and the connections
        that are gone (410); a connection gets nothing after its 410."""
        encoded: dict[int, bytes] = {}
        for messages in outbox.values():
            for message in messages:
                if id(message) not in encoded:
                    encoded[id(message)] = _encode(message)

        def post_in_order(connection_id: str) -> tuple[int, bool]:
            for sent, message in enumerate(outbox[connection_id]):
                if not self._post(connection_id, encoded[id(message)]):
                    return sent, True
            return len(outbox[connection_id]), False

        connection_ids = [c for c, messages in outbox.items() if messages]
        if len(connection_ids) > 1:
            futures = [_senders().submit(post_in_order, c) for c in connection_ids]
            wait(futures)  # all of them, even when one raised: the next batch must not overtake any
            results = [future.result() for future in futures]
        else:
            results = [post_in_order(c) for c in connection_ids]
        gone = [c for c, (_, is_gone) in zip(connection_ids, results, strict=True) if is_gone]
        return sum(sent for sent, _ in results), gone
