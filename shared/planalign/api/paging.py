"""List pagination: `?limit=` (1-200) and `?cursor=`, the next page in a Link header. Without a limit
a list answers whole, as the Studio reads its lists (workspaces, scenarios, batches, runs)."""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response


@dataclass(frozen=True)
class Page:
    """The page a list route was asked for, and how it answers with the items of that page."""

    request: Request
    response: Response
    limit: int | None
    cursor: str | None

    def answer(self, items: list[dict[str, Any]], next_cursor: str | None) -> list[dict[str, Any]]:
        if next_cursor:
            params = {**self.request.query_params, "cursor": next_cursor}
            root = self.request.scope.get("root_path", "")
            self.response.headers["Link"] = f'<{root}{self.request.url.path}?{urlencode(params)}>; rel="next"'
        return items


def _page(
    request: Request,
    response: Response,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> Page:
    return Page(request, response, limit, cursor)


PageDep = Annotated[Page, Depends(_page)]
