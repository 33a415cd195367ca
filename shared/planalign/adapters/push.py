"""WebSocket push through API Gateway's management API (`@connections`); the local gateway serves the
same endpoint, so this code runs unchanged on the local stack."""

import json
from functools import lru_cache
from typing import Any

from planalign.settings import get_settings


@lru_cache(maxsize=4)
def _management_client(endpoint: str) -> Any:
    import boto3

    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)


class Push:
    def __init__(self, endpoint: str | None = None) -> None:
        self._endpoint = endpoint

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Deliver one message; False when the connection is gone (410), so the caller forgets it."""
        from botocore.exceptions import ClientError

        client = _management_client(self._endpoint or get_settings().websocket_callback_url)
        try:
            client.post_to_connection(
                ConnectionId=connection_id, Data=json.dumps(message, default=str).encode()
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("GoneException", "410"):
                return False
            raise
        return True
