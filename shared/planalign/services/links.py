"""Where a client follows a run or a batch live: the Studio's path form on the origin the request came
through (the front door, which rewrites it for the WebSocket API), else on the configured Studio
origin (the local gateway, a custom domain), else the WebSocket API's own URL with the id in the
query, which `$connect` subscribes to."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from planalign.settings import get_settings

# The host a request reached the front door on: its CloudFront Function copies the viewer's Host into
# X-Forwarded-Host (CloudFront sends API Gateway its own Host). The distribution cannot be named in
# the functions' environment: it depends on the HTTP API, which depends on the functions.
_front_door_host: ContextVar[str] = ContextVar("front_door_host", default="")


@contextmanager
def serving_front_door(host: str) -> Iterator[None]:
    """Links built while a request is served point at the front door it came through, if any."""
    token = _front_door_host.set(host)
    try:
        yield
    finally:
        _front_door_host.reset(token)


def websocket_link(kind: str, item_id: str) -> str:
    """`kind` is "simulation" (a run) or "batch"; empty when no WebSocket API is configured."""
    settings = get_settings()
    host = _front_door_host.get()
    if host:
        return f"wss://{host}/ws/{kind}/{item_id}"
    if settings.studio_websocket_url:
        return f"{settings.studio_websocket_url}/ws/{kind}/{item_id}"
    if settings.websocket_url:
        parameter = "run_id" if kind == "simulation" else "batch_id"
        return f"{settings.websocket_url}?{parameter}={item_id}"
    return ""
