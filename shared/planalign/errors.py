"""The few named errors of the system; the api layer maps them to HTTP codes once, the state
machine's Catch matches them by class name."""

from typing import Any


class PlanAlignError(Exception):
    """Base of every error a user can act on; `str(error)` says what was wrong and where."""


class InvalidConfig(PlanAlignError):
    """A simulation config that fails validation (`workforce.total_termination_rate: 7 is above 1`)."""


class CensusRejected(PlanAlignError):
    """A census file that cannot be imported; `report` lists the reasons row by row."""

    def __init__(self, message: str, report: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.report = report or {}


class SimulationRejected(PlanAlignError):
    """Inputs the model refuses to project (too many hires, growth beyond +/-100%, no employees)."""


class NotFound(PlanAlignError):
    """An id that does not exist for this tenant."""


class RunConflict(PlanAlignError):
    """A state change that is not allowed now (second start, cancel of a finished run, ...)."""


class InvalidRequest(PlanAlignError):
    """A request that is well-formed JSON but asks for something impossible."""


class PayloadTooLarge(PlanAlignError):
    """A request body over what the API takes; the message names the route that takes it."""


class QuotaExceeded(PlanAlignError):
    """A tenant's limit reached (runs at once, ensemble size, storage); the message names the limit."""


class ExportPending(PlanAlignError):
    """A completed run's export still being made; ask again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
