"""FastAPI apps for the HTTP API functions, and the Lambda handler around them (Mangum)."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from planalign import __version__
from planalign.api.errors import install_error_handlers

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


class ErrorAnswer(BaseModel):
    """Every error: what was wrong and where; a request the schema refuses lists each problem."""

    detail: str | list[dict[str, Any]]


# What every route may answer besides its success, documented once for all (the 422 replaces
# FastAPI's list-only schema: our own checks answer a string that names the path).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorAnswer, "description": description}
    for status, description in (
        (401, "missing or invalid token"),
        (404, "no such id for this tenant"),
        (409, "not allowed in the current state"),
        (422, "invalid input, naming the field"),
    )
}
# The Studio's analysis routes answer 400 where the Studio's backend does: a scenario that has not
# completed, too few or too many scenarios, an analysis that cannot be made.
BAD_REQUEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorAnswer, "description": "the analysis cannot be made for this request"}
}
# An export link of a completed run whose export is still being made (services/runs.wait_for_export).
EXPORT_PENDING_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ErrorAnswer,
        "description": "the run completed and this export is still being made; ask again after "
        "the seconds of the Retry-After header",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    }
}


class StageRootPath:
    """Behind a named API Gateway stage the path starts with `/{stage}`. Called on the API's own URL,
    the stage becomes the ASGI root path, so routing ignores it and the docs page and page links keep
    it. Through the front door (its X-Forwarded-Host) the viewer's paths have no stage: it is dropped,
    so those links stay under the front door's `/api/*`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            event = scope.get("aws.event") or {}
            stage = event.get("requestContext", {}).get("stage", "$default")
            prefix = f"/{stage}"
            if stage and stage != "$default" and scope["path"].startswith(f"{prefix}/"):
                if (event.get("headers") or {}).get("x-forwarded-host"):
                    scope = {**scope, "path": scope["path"][len(prefix) :]}
                else:
                    scope = {**scope, "root_path": prefix}
        await self.app(scope, receive, send)


def create_app(*routers: APIRouter) -> FastAPI:
    app = FastAPI(
        title="PlanAlign API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        # No 307 to a path with or without a trailing slash: a client gets its 404 or 405 instead.
        redirect_slashes=False,
    )
    for router in routers:
        app.include_router(router, responses=ERROR_RESPONSES)
    install_error_handlers(app)
    return app


def lambda_handler(app: FastAPI) -> LambdaHandler:
    """The Lambda entry point: Powertools logging (request id on every line) around Mangum."""
    from aws_lambda_powertools import Logger
    from mangum import Mangum

    from planalign.services.links import serving_front_door

    logger = Logger()
    mangum = Mangum(StageRootPath(app), lifespan="off")

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with serving_front_door((event.get("headers") or {}).get("x-forwarded-host", "")):
            response: dict[str, Any] = mangum(event, context)
        return response

    return handler
