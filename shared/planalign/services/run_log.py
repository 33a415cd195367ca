"""The run's log: what its stage functions log while they work, kept beside its history, so that the
Studio's log viewer (and the `simulation.log` download) shows the functions' own lines next to the
progress events. CloudWatch keeps every line too; this is the run's bounded copy."""

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from planalign.adapters.store import Store, key_of_state
from planalign.ids import utc_now

# Enough for a stage's story; a stage that logs more keeps its first lines and says how many it dropped.
MAX_LINES_PER_STAGE = 200
MAX_MESSAGE_CHARS = 1000
CAPTURED_LOGGER = "planalign"  # the service's logger (Powertools) and every planalign.* module logger

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def severity_of(levelno: int) -> str:
    """The Studio's three severities."""
    if levelno >= logging.ERROR:
        return "ERROR"
    return "WARNING" if levelno >= logging.WARNING else "INFO"


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[dict[str, str]] = []
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) >= MAX_LINES_PER_STAGE:
            self.dropped += 1
            return
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = f"{message}: {type(error).__name__}: {error}"
        self.lines.append(
            {
                "timestamp": utc_now(),
                "severity": severity_of(record.levelno),
                "message": message[:MAX_MESSAGE_CHARS],
            }
        )


@contextlib.contextmanager
def captured_log(store: Store, run: str | None, stage: str) -> Iterator[None]:
    """Collect the lines logged while the block runs and add them to the log of the run (its
    run_key) at its end, failure or not (a run's own log must not hide the stage's error: writing it
    never raises)."""
    if not run:
        yield
        return
    collector = _Collector()
    logger = logging.getLogger(CAPTURED_LOGGER)
    logger.addHandler(collector)
    try:
        yield
    finally:
        logger.removeHandler(collector)
        lines = collector.lines
        if collector.dropped:
            lines.append(
                {"timestamp": utc_now(), "severity": "INFO", "message": f"{collector.dropped} more lines"}
            )
        try:
            store.add_run_log(run, stage, lines)
        except Exception:
            logging.getLogger(__name__).warning("the run's log copy could not be written", exc_info=True)


def with_run_log(stage: str, handler: Handler) -> Handler:
    """A stage function's handler whose log lines also reach its run's log."""

    def logged(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with captured_log(Store(), key_of_state(event), stage):
            return handler(event, context)

    return logged
