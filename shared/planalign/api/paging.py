"""List pagination: `?limit=` (1-200, default 50) and `?cursor=`, the next page in a Link header."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=2048)]


def paged(
    request: Request, response: Response, items: list[dict[str, Any]], cursor: str | None
) -> list[dict[str, Any]]:
    if cursor:
        params = dict(request.query_params)
        params["cursor"] = cursor
        root = request.scope.get("root_path", "")
        response.headers["Link"] = f'<{root}{request.url.path}?{urlencode(params)}>; rel="next"'
    return items
