"""The run's log: a stage function's own log lines join the run's history in the Studio's log viewer."""

import logging
from collections.abc import Iterator

import pytest
from planalign.adapters.store import Store
from planalign.services.run_log import MAX_LINES_PER_STAGE, captured_log
from planalign.services.runs import log_page, run_log_text


@pytest.fixture(autouse=True)
def info_level() -> Iterator[None]:
    """In Lambda, Powertools sets the service logger to POWERTOOLS_LOG_LEVEL (INFO); do the same here."""
    logger = logging.getLogger("planalign")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


def make_run(store: Store) -> None:
    store.create(
        "RUN", "t1#run_1", {"id": "run_1", "tenant_id": "t1", "scenario_id": "sc_1", "status": "running"}
    )
    store.append_run_event(
        "t1#run_1",
        {
            "timestamp": "2026-01-01T00:00:00.000Z",
            "stage": "import",
            "percent": 0,
            "kind": "run_started",
            "message": "run started",
        },
    )


def test_a_stages_log_lines_join_the_history_in_time_order(store: Store) -> None:
    make_run(store)
    log = logging.getLogger("planalign.services.stages")
    with captured_log(store, "t1#run_1", "simulation"):
        log.info("simulating %d employees", 500)
        log.warning("census: 3 rows rejected")
        logging.getLogger("somebody.else").warning("not the run's")
    page = log_page(store, "t1", "sc_1", "run_1", page=1, page_size=10, severity=None)
    assert [(line["severity"], line["message"]) for line in page["lines"]] == [
        ("INFO", "[import] run started"),
        ("INFO", "[simulation] simulating 500 employees"),
        ("WARNING", "[simulation] census: 3 rows rejected"),
    ]
    assert [line["sequence"] for line in page["lines"]] == [1, 2, 3]
    warnings = log_page(store, "t1", "sc_1", "run_1", page=1, page_size=10, severity="warning")["lines"]
    assert [line["message"] for line in warnings] == ["[simulation] census: 3 rows rejected"]
    assert "[WARNING] [simulation] census: 3 rows rejected" in run_log_text(store, "t1", "sc_1", "run_1")


def test_a_failing_stage_keeps_its_lines_and_its_error(store: Store) -> None:
    make_run(store)
    try:
        with captured_log(store, "t1#run_1", "pipeline"):
            try:
                raise ValueError("disk full")
            except ValueError:
                logging.getLogger("planalign").exception("stage failed")
                raise
    except ValueError:
        pass
    (line,) = store.run_log("t1#run_1")
    assert (line["severity"], line["message"]) == ("ERROR", "stage failed: ValueError: disk full")


def test_a_chatty_stage_keeps_its_first_lines(store: Store) -> None:
    make_run(store)
    with captured_log(store, "t1#run_1", "simulation"):
        for k in range(MAX_LINES_PER_STAGE + 5):
            logging.getLogger("planalign").info("line %d", k)
    lines = store.run_log("t1#run_1")
    assert len(lines) == MAX_LINES_PER_STAGE + 1
    assert lines[-1]["message"] == "5 more lines"
    store.delete_run_events("t1#run_1")
    assert store.run_log("t1#run_1") == []
