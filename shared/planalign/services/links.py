"""Where a client follows a run or a batch live: the Studio's path form where an origin serves it,
else the WebSocket API's own URL with the id in the query, which `$connect` subscribes to."""

from planalign.settings import get_settings


def websocket_link(kind: str, item_id: str) -> str:
    """`kind` is "simulation" (a run) or "batch"; empty when no WebSocket API is configured."""
    settings = get_settings()
    if settings.studio_websocket_url:
        return f"{settings.studio_websocket_url}/ws/{kind}/{item_id}"
    if settings.websocket_url:
        parameter = "run_id" if kind == "simulation" else "batch_id"
        return f"{settings.websocket_url}?{parameter}={item_id}"
    return ""
