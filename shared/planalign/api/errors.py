"""Domain errors mapped once to HTTP answers `{"detail": ...}`; anything else is a logged 500
without a traceback."""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from planalign.errors import (
    CensusRejected,
    ExportPending,
    InvalidConfig,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PlanAlignError,
    QuotaExceeded,
    RunConflict,
    SimulationRejected,
)

logger = logging.getLogger(__name__)

STATUS_OF: dict[type[PlanAlignError], int] = {
    ExportPending: 202,
    InvalidConfig: 422,
    InvalidRequest: 422,
    CensusRejected: 422,
    SimulationRejected: 422,
    NotFound: 404,
    RunConflict: 409,
    PayloadTooLarge: 413,
    QuotaExceeded: 429,
}


# How much of a rejected value a 422 repeats: the caller sent it, and a 100 MB field must not come back.
SHOWN_INPUT_CHARS = 200


def _shown(value: Any) -> Any:
    """A rejected input as a 422 repeats it: short values as they are, long ones cut with their size."""
    if isinstance(value, bytes):  # a body that is not JSON comes as its raw bytes
        value = value.decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= SHOWN_INPUT_CHARS:
        return value
    return f"{text[:SHOWN_INPUT_CHARS]}... ({len(text):,} characters)"


def validation_details(error: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's list of what is wrong, each `input` cut to SHOWN_INPUT_CHARS."""
    return [
        {key: (_shown(value) if key == "input" else value) for key, value in item.items() if key != "ctx"}
        for item in error.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, error: Exception) -> JSONResponse:
        status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)
        # Accepted, not there yet: when to ask again.
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, ExportPending) else None
        return JSONResponse({"detail": str(error)}, status_code=status, headers=headers)

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return JSONResponse({"detail": validation_details(error)}, status_code=422)

    async def undecodable_body(request: Request, error: Exception) -> JSONResponse:
        # A body that is not UTF-8 where text or JSON was expected (any text content type).
        return JSONResponse({"detail": "body: not UTF-8 text; send JSON"}, status_code=422)

    async def too_deep(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": "body: nested too deep"}, status_code=422)

    async def http_error(request: Request, error: Exception) -> Response:
        # FastAPI and Starlette answer a body they cannot parse (not UTF-8, nested too deep, broken
        # multipart) with an undocumented 400: the 422 of any other invalid input.
        assert isinstance(error, HTTPException)
        cause = error.__cause__ or error.__context__
        if isinstance(cause, UnicodeDecodeError):
            return await undecodable_body(request, error)
        if isinstance(cause, RecursionError):
            return await too_deep(request, error)
        if isinstance(cause, MultiPartException):
            return JSONResponse({"detail": f"body: {error.detail}"}, status_code=422)
        return await http_exception_handler(request, error)

    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)

    app.add_exception_handler(PlanAlignError, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(UnicodeDecodeError, undecodable_body)
    app.add_exception_handler(RecursionError, too_deep)
    app.add_exception_handler(Exception, unexpected_error)


@contextmanager
def answered_as(status: int) -> Iterator[None]:
    """A scenario that has not completed (or an impossible request) answers `status`, as the Studio's
    backend does on these routes."""
    try:
        yield
    except (RunConflict, InvalidRequest) as error:
        raise HTTPException(status_code=status, detail=str(error)) from error
