"""Domain errors mapped once to HTTP answers `{"detail": ...}`; anything else is a logged 500
without a traceback."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from planalign.errors import (
    CensusRejected,
    InvalidConfig,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PlanAlignError,
    RunConflict,
    SimulationRejected,
)

logger = logging.getLogger(__name__)

STATUS_OF: dict[type[PlanAlignError], int] = {
    InvalidConfig: 422,
    InvalidRequest: 422,
    CensusRejected: 422,
    SimulationRejected: 422,
    NotFound: 404,
    RunConflict: 409,
    PayloadTooLarge: 413,
}


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, error: Exception) -> JSONResponse:
        status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)
        return JSONResponse({"detail": str(error)}, status_code=status)

    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error; it has been logged"}, status_code=500)

    app.add_exception_handler(PlanAlignError, domain_error)
    app.add_exception_handler(Exception, unexpected_error)
